import { expect, waitUntil } from '@open-wc/testing';
import type { TopUpStartedDetail } from '../events.ts';
import { cleanup, emitStreamEvent, find, fixtureLog, mountPortal, section, streamOpen, text } from '../test-support/portal.ts';

describe('top-up section', () => {
  afterEach(cleanup);

  /** Tests never leave the page: they cancel the redirect, as a host that opens Checkout itself would. */
  function cancelRedirect(el: HTMLElement, started: TopUpStartedDetail[]): void {
    el.addEventListener('credyt-top-up-started', (event) => {
      started.push(event.detail);
      event.preventDefault();
    });
  }

  it('offers presets in the chosen asset, and a free amount with its fiat price', async () => {
    const { el } = await mountPortal();
    const topUp = await section(el, 'credyt-portal-top-up');
    const presets = await find(topUp, '.presets');
    expect([...presets.querySelectorAll('button')].map(text)).to.deep.equal(['$10.00', '$25.00', '$50.00', '$100.00']);
    const select = topUp.querySelector('select')!;
    select.value = 'CREDITS';
    select.dispatchEvent(new Event('change'));
    await waitUntil(() => text(topUp.querySelector('.presets')).includes('credits'));
    const input = topUp.querySelector<HTMLInputElement>('input[name="amount"]')!;
    input.value = '300';
    input.dispatchEvent(new Event('input'));
    // A credit costs $0.01: 300 credits cost $3.00.
    await waitUntil(() => text(topUp.querySelector('.price')) === 'You pay $3.00');
    input.value = '2.5';
    input.dispatchEvent(new Event('input'));
    await waitUntil(() => topUp.querySelector('.field-error'));
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(topUp.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled).to.equal(true);
  });

  it('prices a custom unit at the asset’s rate, rounded up to the cent as Stripe charges it', async () => {
    const { el } = await mountPortal();
    const topUp = await section(el, 'credyt-portal-top-up');
    const select = await find<HTMLSelectElement>(topUp, 'select');
    select.value = 'TOKENS'; // 0.125 USD a token
    select.dispatchEvent(new Event('change'));
    await waitUntil(() => text(topUp.querySelector('.presets')).includes('tokens'));
    const input = topUp.querySelector<HTMLInputElement>('input[name="amount"]')!;
    input.value = '2.5';
    input.dispatchEvent(new Event('input'));
    // 2.5 × 0.125 = 0.3125 → $0.32, what the BFF charges (the old balance-ratio estimate said $0.31)
    await waitUntil(() => text(topUp.querySelector('.price')) === 'You pay $0.32');
    input.value = '2.55555';
    input.dispatchEvent(new Event('input'));
    await waitUntil(() => topUp.querySelector('.field-error'));
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(topUp.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled).to.equal(true);
  });

  it('creates one top-up for a double click, with one idempotency key, and fires a cancelable credyt-top-up-started', async () => {
    const started: TopUpStartedDetail[] = [];
    const { el, link } = await mountPortal({ setup: (el) => cancelRedirect(el, started) });
    const topUp = await section(el, 'credyt-portal-top-up');
    const preset = await find<HTMLButtonElement>(topUp, '.presets button:nth-child(2)');
    preset.click();
    await waitUntil(() => preset.getAttribute('aria-pressed') === 'true');
    const pay = topUp.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    pay.click();
    pay.click();
    await waitUntil(() => started.length === 1);
    const log = await fixtureLog(link);
    expect(log.requests.filter((r) => r.path === '/portal/api/top-ups')).to.have.length(1);
    expect(log.topUps).to.have.length(1);
    expect(started[0]).to.include({ asset: 'USD', amount: '25', id: log.topUps[0]!.id });
    expect(started[0]!.redirect_url).to.match(/\/__fixture\/checkout\?top_up=/);
  });

  it('asks Stripe to come back to this page, without the parameters of an earlier return', async () => {
    const original = window.location.href;
    history.replaceState(null, '', '?tab=billing&credyt_top_up=cancelled&top_up_id=top_old');
    try {
      const started: TopUpStartedDetail[] = [];
      const { el, link } = await mountPortal({ setup: (el) => cancelRedirect(el, started) });
      const topUp = await section(el, 'credyt-portal-top-up');
      (await find<HTMLButtonElement>(topUp, '.presets button')).click();
      await waitUntil(() => !topUp.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled);
      topUp.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
      await waitUntil(() => started.length === 1);
      const [created] = (await fixtureLog(link)).topUps;
      expect(created!.return_url).to.equal(`${location.origin}${location.pathname}?tab=billing`);
    } finally {
      history.replaceState(null, '', original);
    }
  });

  describe('the return from Checkout', () => {
    const original = window.location.href;
    afterEach(() => history.replaceState(null, '', original));

    it('says the payment was received once the top-up succeeded', async () => {
      history.replaceState(null, '', '?credyt_top_up=success&top_up_id=top_paid');
      const { el } = await mountPortal();
      const topUp = await section(el, 'credyt-portal-top-up');
      await waitUntil(() => text(topUp.querySelector('[role="status"]')).includes('Payment received'));
      const receipt = await find<HTMLAnchorElement>(topUp, '[role="status"] a');
      expect(receipt.href).to.equal('https://pay.example/receipts/top_paid');
    });

    it('says the payment is pending until the stream reports it', async () => {
      history.replaceState(null, '', '?credyt_top_up=success&top_up_id=top_42');
      const { el, link } = await mountPortal();
      const topUp = await section(el, 'credyt-portal-top-up');
      await waitUntil(() => text(topUp.querySelector('[role="status"]')).includes('being confirmed'));
      await streamOpen(link);
      await emitStreamEvent(link, 'top_up.updated', { id: 'top_42', status: 'succeeded', asset: 'USD', amount: '25' });
      await waitUntil(() => text(topUp.querySelector('[role="status"]')).includes('Payment received'));
    });

    it('says the payment was cancelled', async () => {
      history.replaceState(null, '', '?credyt_top_up=cancelled');
      const { el } = await mountPortal();
      const topUp = await section(el, 'credyt-portal-top-up');
      await waitUntil(() => text(topUp.querySelector('[role="status"]')).includes('Payment cancelled'));
    });
  });
});
