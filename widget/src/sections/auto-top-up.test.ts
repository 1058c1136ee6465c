import { expect, waitUntil } from '@open-wc/testing';
import type { RedirectDetail } from '../events.ts';
import { cleanup, find, fixtureLog, mountPortal, section, text } from '../test-support/portal.ts';

describe('auto top-up section', () => {
  afterEach(cleanup);

  it('shows each setting with the saved card, the last failure and how to fix it', async () => {
    const { el } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const [usd, credits] = (await find(auto, '.settings')).querySelectorAll('form');
    expect(text(usd)).to.contain('Top up US Dollar automatically');
    expect(usd!.querySelector<HTMLInputElement>('input[type="checkbox"]')!.checked).to.equal(true);
    expect(text(usd)).to.contain('visa ending in 4242, expires 12/2030');
    expect(text(usd!.querySelector('.notice.danger')))
      .to.contain('Your card was declined.')
      .and.contain('Save a different card');
    expect(text(credits)).to.contain('No card saved yet');
    expect(credits!.querySelector<HTMLAnchorElement>('a')!.href).to.equal('https://pay.example/setup/seti_123');
  });

  it('validates only once a field is left or the form is submitted', async () => {
    const { el, link } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const form = (await find(auto, '.settings')).querySelector('form')!;
    const amount = form.querySelector<HTMLInputElement>('input[name="amount"]')!;
    amount.value = '0';
    amount.dispatchEvent(new Event('input'));
    await el.updateComplete;
    await (auto.host as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;
    expect(form.querySelector('.field-error')).to.equal(null);
    expect(amount.getAttribute('aria-invalid')).to.equal('false');
    amount.dispatchEvent(new Event('blur'));
    await waitUntil(() => form.querySelector('.field-error'));
    expect(amount.getAttribute('aria-invalid')).to.equal('true');
    const threshold = form.querySelector<HTMLInputElement>('input[name="threshold"]')!;
    expect(threshold.getAttribute('aria-invalid')).to.equal('false');

    // A fresh form (CREDITS): nothing typed, nothing shown; Save shows the errors and moves focus, sends nothing.
    const credits = auto.querySelectorAll('form')[1]!;
    const creditsAmount = credits.querySelector<HTMLInputElement>('input[name="amount"]')!;
    creditsAmount.value = '1.5'; // CREDITS have no decimals
    creditsAmount.dispatchEvent(new Event('input'));
    await waitUntil(() => creditsAmount.value === '1.5');
    expect(credits.querySelector('.field-error')).to.equal(null);
    credits.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(() => credits.querySelector('.field-error'));
    expect(auto.activeElement).to.equal(creditsAmount);
    expect((await fixtureLog(link)).autoUpdates).to.have.length(0);
  });

  it('sends the customer to save a card through a cancelable credyt-redirect, returning to this page', async () => {
    const redirects: RedirectDetail[] = [];
    const { el, link } = await mountPortal({
      setup: (el) =>
        el.addEventListener('credyt-redirect', (event) => {
          redirects.push(event.detail);
          event.preventDefault();
        }),
    });
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const credits = (await find(auto, '.settings')).querySelectorAll('form')[1]!;
    credits.querySelector<HTMLInputElement>('input[type="checkbox"]')!.click();
    credits.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(() => redirects.length === 1);
    expect(redirects[0]).to.deep.equal({ reason: 'card_setup', asset: 'CREDITS', url: 'https://pay.example/setup/CREDITS' });
    const [update] = (await fixtureLog(link)).autoUpdates;
    expect(update!.body).to.include({ enabled: true, return_url: location.href });
    // The setting the BFF answered is shown (turned on, waiting for its card).
    await waitUntil(() => credits.querySelector<HTMLInputElement>('input[type="checkbox"]')!.checked);
    // The "Save a card" link goes the same way.
    credits.querySelector<HTMLAnchorElement>('a.button')!.click();
    await waitUntil(() => redirects.length === 2);
  });

  describe('the return from card setup', () => {
    const original = window.location.href;
    afterEach(() => history.replaceState(null, '', original));

    it('says the card was saved', async () => {
      history.replaceState(null, '', '?credyt_card=saved');
      const { el } = await mountPortal();
      const auto = await section(el, 'credyt-portal-auto-top-up');
      await waitUntil(() => text(auto.querySelector('[role="status"]')).includes('Card saved'));
    });

    it('says no card was saved when the customer cancelled', async () => {
      history.replaceState(null, '', '?credyt_card=cancelled');
      const { el } = await mountPortal();
      const auto = await section(el, 'credyt-portal-auto-top-up');
      await waitUntil(() => text(auto.querySelector('[role="status"]')).includes('No card was saved'));
    });
  });

  it('saves a new threshold and amount', async () => {
    const { el, link } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const form = (await find(auto, '.settings')).querySelector('form')!;
    const [threshold, amount] = form.querySelectorAll<HTMLInputElement>('input[inputmode="decimal"]');
    threshold!.value = '20';
    threshold!.dispatchEvent(new Event('input'));
    amount!.value = '75.50';
    amount!.dispatchEvent(new Event('input'));
    await waitUntil(() => !form.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled);
    form.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(() => text(auto.querySelector('.notice.success')) === 'Saved.');
    const put = (await fixtureLog(link)).requests.find((r) => r.method === 'PUT');
    expect(put?.path).to.equal('/portal/api/auto-top-up/USD');
  });
});
