import { expect, waitUntil } from '@open-wc/testing';
import type { CredytBillingPortal } from '../credyt-billing-portal.ts';
import { cleanup, emitStreamEvent, find, mountPortal, root, section, streamOpen, text } from '../test-support/portal.ts';

describe('the return from Checkout', () => {
  const original = window.location.href;
  afterEach(() => {
    cleanup();
    history.replaceState(null, '', original);
  });

  /** The banner's element, its shadow root and its box, once it shows. */
  async function banner(el: CredytBillingPortal) {
    const shadow = await section(el, 'credyt-portal-checkout-return');
    const box = await find(shadow, '.banner');
    return { host: root(el).querySelector('credyt-portal-checkout-return')!, shadow, box };
  }

  it('a banner at the top of the portal with the amount and the receipt, and focus on it', async () => {
    history.replaceState(null, '', '?credyt_top_up=success&top_up_id=top_paid');
    const { el } = await mountPortal();
    const { host, shadow, box } = await banner(el);
    await waitUntil(() => text(shadow.querySelector('.title')) === 'Payment received');
    expect(text(shadow.querySelector('.body'))).to.equal('Added to your balance: +$25.00.');
    const receipt = await find<HTMLAnchorElement>(shadow, '.actions a');
    expect(receipt.href).to.equal('https://pay.example/receipts/top_paid');
    expect(text(receipt)).to.equal('Receipt (opens in a new tab)');
    // Focus moved to it, so the customer and a screen reader land on the outcome.
    await waitUntil(() => root(el).activeElement === host && shadow.activeElement === box);
    expect(box.getAttribute('role')).to.equal('status');
    // The box is no control: focused, it shows no focus ring (keyboard or not). (Only checkable while this test's
    // page has the browser's focus: with several pages open at once, :focus does not match in the others.)
    if (box.matches(':focus')) expect(getComputedStyle(box).outlineStyle).to.equal('none');
    // It sits above every section.
    const first = root(el).querySelector('.sections > *')!;
    expect(host.getBoundingClientRect().bottom).to.be.at.most(first.getBoundingClientRect().top + 0.5);
    // Receipt and Dismiss share a line and a height.
    const dismiss = shadow.querySelector<HTMLButtonElement>('.actions button')!;
    const [a, b] = [receipt.getBoundingClientRect(), dismiss.getBoundingClientRect()];
    expect(Math.abs(a.top - b.top)).to.be.below(1);
    expect(Math.abs(a.height - b.height)).to.be.below(1);
    expect(a.height).to.be.at.least(24);
    dismiss.click();
    await waitUntil(() => !shadow.querySelector('.banner'));
  });

  it('says the payment is being confirmed until the stream reports it, then the amount', async () => {
    history.replaceState(null, '', '?credyt_top_up=success&top_up_id=top_42');
    const { el, link } = await mountPortal();
    const { shadow } = await banner(el);
    await waitUntil(() => text(shadow.querySelector('.title')) === 'Confirming your payment');
    await streamOpen(link);
    await emitStreamEvent(link, 'top_up.updated', {
      id: 'top_42',
      status: 'succeeded',
      asset: 'USD',
      amount: '25',
      receipt_url: 'https://pay.example/receipts/top_42',
    });
    await waitUntil(() => text(shadow.querySelector('.title')) === 'Payment received');
    expect(text(shadow.querySelector('.body'))).to.equal('Added to your balance: +$25.00.');
    expect(shadow.querySelector<HTMLAnchorElement>('.actions a')!.href).to.equal('https://pay.example/receipts/top_42');
  });

  it('says the payment was cancelled, without a receipt', async () => {
    history.replaceState(null, '', '?credyt_top_up=cancelled&top_up_id=top_9');
    const { el } = await mountPortal();
    const { shadow } = await banner(el);
    await waitUntil(() => text(shadow.querySelector('.banner')).includes('Payment cancelled'));
    expect(text(shadow.querySelector('.body'))).to.equal('You have not been charged.');
    expect(shadow.querySelector('.actions a')).to.equal(null);
  });

  it('says the payment failed', async () => {
    history.replaceState(null, '', '?credyt_top_up=success&top_up_id=top_failed');
    const { el } = await mountPortal({ attrs: { locale: 'es' } });
    const { shadow } = await banner(el);
    await waitUntil(() => text(shadow.querySelector('.title')) === 'El pago no se completó');
    expect(shadow.querySelector('.banner')!.classList.contains('danger')).to.equal(true);
  });

  it('shows nothing when the page was not a return from Checkout', async () => {
    const { el } = await mountPortal();
    const shadow = await section(el, 'credyt-portal-checkout-return');
    await el.updateComplete;
    expect(shadow.querySelector('.banner')).to.equal(null);
    expect(root(el).querySelector('credyt-portal-checkout-return')!.getBoundingClientRect().height).to.equal(0);
  });

  it('holds at 320 px in Arabic: the text and both actions inside the banner', async () => {
    history.replaceState(null, '', '?credyt_top_up=success&top_up_id=top_paid');
    const container = document.createElement('div');
    container.style.width = '320px';
    document.body.append(container);
    try {
      const { el } = await mountPortal({ container, attrs: { locale: 'ar' } });
      const { shadow, box } = await banner(el);
      await find(shadow, '.actions a');
      const outer = box.getBoundingClientRect();
      for (const part of shadow.querySelectorAll('.title, .body, .actions a, .actions button')) {
        const r = part.getBoundingClientRect();
        expect(r.left).to.be.at.least(outer.left - 0.5);
        expect(r.right).to.be.at.most(outer.right + 0.5);
      }
      expect(shadow.querySelector('.body bdi')?.textContent).to.contain('25');
    } finally {
      container.remove();
    }
  });
});
