import { expect, waitUntil } from '@open-wc/testing';
import type { TopUpStartedDetail } from '../events.ts';
import { cleanup, find, fixtureLog, mountPortal, section, text } from '../test-support/portal.ts';

describe('top-up section', () => {
  afterEach(cleanup);

  /** Tests never leave the page: they cancel the redirect, as a host that opens Checkout itself would. */
  function cancelRedirect(el: HTMLElement, started: TopUpStartedDetail[]): void {
    el.addEventListener('credyt-top-up-started', (event) => {
      started.push(event.detail);
      event.preventDefault();
    });
  }

  function type(input: HTMLInputElement, value: string): void {
    input.value = value;
    input.dispatchEvent(new Event('input'));
  }

  const amountInput = (topUp: ShadowRoot) => find<HTMLInputElement>(topUp, 'input[name="amount"]');
  const pay = (topUp: ShadowRoot) => topUp.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  const topUpRequests = async (link: string) => (await fixtureLog(link)).requests.filter((r) => r.path === '/portal/api/top-ups');

  it('offers presets in the chosen asset, and a free amount with its fiat price', async () => {
    const { el } = await mountPortal();
    const topUp = await section(el, 'credyt-portal-top-up');
    const presets = await find(topUp, '.presets');
    expect([...presets.querySelectorAll('button')].map(text)).to.deep.equal(['$10.00', '$25.00', '$50.00', '$100.00']);
    const select = topUp.querySelector('select')!;
    select.value = 'CREDITS';
    select.dispatchEvent(new Event('change'));
    // A credit costs $0.01: the presets are what $10, $25, $50 and $100 buy.
    await waitUntil(() => text(topUp.querySelector('.presets')).includes('credits'));
    expect([...topUp.querySelectorAll('.presets button')].map(text)).to.deep.equal([
      '1,000 credits',
      '2,500 credits',
      '5,000 credits',
      '10,000 credits',
    ]);
    type(await amountInput(topUp), '700');
    await waitUntil(() => text(topUp.querySelector('.price')) === 'You pay $7.00');
  });

  it('prices a custom unit at the asset’s rate, rounded up to the cent as Stripe charges it', async () => {
    const { el } = await mountPortal();
    const topUp = await section(el, 'credyt-portal-top-up');
    const select = await find<HTMLSelectElement>(topUp, 'select');
    select.value = 'TOKENS'; // 0.125 USD a token
    select.dispatchEvent(new Event('change'));
    await waitUntil(() => text(topUp.querySelector('.presets')).includes('tokens'));
    const input = await amountInput(topUp);
    type(input, '100.1');
    // 100.1 × 0.125 = 12.5125 → $12.52, what the BFF charges
    await waitUntil(() => text(topUp.querySelector('.price')) === 'You pay $12.52');
    type(input, '100.55555');
    input.dispatchEvent(new Event('blur'));
    await waitUntil(() => topUp.querySelector('.field-error'));
    expect(text(topUp.querySelector('.field-error'))).to.equal('Use at most 4 decimal places.');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
  });

  it('shows the platform’s limits before the purchase, in the asset’s own unit', async () => {
    const { el } = await mountPortal();
    const topUp = await section(el, 'credyt-portal-top-up');
    await waitUntil(() => text(topUp.querySelector('#amount-hint')) === 'From $5.00 to $10,000.00 per top-up.');
    const select = topUp.querySelector('select')!;
    select.value = 'CREDITS';
    select.dispatchEvent(new Event('change'));
    await waitUntil(() => text(topUp.querySelector('#amount-hint')) === 'From 500 credits to 1,000,000 credits per top-up.');
    const input = await amountInput(topUp);
    expect(input.getAttribute('aria-describedby')).to.contain('amount-hint');
  });

  it('refuses an amount out of range on the device: the limit under the field, focus on it, no request', async () => {
    const { el, link } = await mountPortal();
    const topUp = await section(el, 'credyt-portal-top-up');
    const input = await amountInput(topUp);
    type(input, '1');
    // Typing alone shows nothing yet.
    await el.updateComplete;
    expect(topUp.querySelector('.field-error')).to.equal(null);
    pay(topUp).click();
    await waitUntil(() => topUp.querySelector('.field-error'));
    expect(text(topUp.querySelector('.field-error'))).to.equal('The minimum top-up is $5.00.');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.getAttribute('aria-describedby')).to.contain('amount-error');
    expect(topUp.activeElement).to.equal(input);
    type(input, '999999');
    await waitUntil(() => text(topUp.querySelector('.field-error')) === 'The maximum top-up is $10,000.00.');
    pay(topUp).click();
    expect(await topUpRequests(link)).to.have.length(0);
    // No Retry, no general error: the field says it all.
    expect(topUp.querySelector('[role="alert"]')).to.equal(null);
  });

  it('accepts "10,50" typed in Spanish, and Arabic digits, as exact decimals', async () => {
    const started: TopUpStartedDetail[] = [];
    const { el, link } = await mountPortal({ attrs: { locale: 'es' }, setup: (el) => cancelRedirect(el, started) });
    const topUp = await section(el, 'credyt-portal-top-up');
    await waitUntil(() => text(topUp.querySelector('#amount-hint')).startsWith('De '));
    const input = await amountInput(topUp);
    type(input, '10,50');
    await waitUntil(() => text(topUp.querySelector('.price')) === 'Pagas 10,50 US$');
    pay(topUp).click();
    await waitUntil(() => started.length === 1);
    expect(started[0]).to.include({ asset: 'USD', amount: '10.50' });
    expect((await fixtureLog(link)).topUps[0]).to.include({ amount: '10.50' });

    el.setAttribute('locale', 'ar');
    await waitUntil(() => text(topUp.querySelector('#amount-hint')).startsWith('من'));
    type(input, '١٢٫٧٥');
    pay(topUp).click();
    await waitUntil(() => started.length === 2);
    expect(started[1]).to.include({ amount: '12.75' });
  });

  it('a preset writes its amount in the field as the locale writes numbers, and reads as pressed', async () => {
    const { el } = await mountPortal({ attrs: { locale: 'es' } });
    const topUp = await section(el, 'credyt-portal-top-up');
    const select = await find<HTMLSelectElement>(topUp, 'select');
    select.value = 'TOKENS';
    select.dispatchEvent(new Event('change'));
    await waitUntil(() => text(topUp.querySelector('.presets')).includes('tokens'));
    const preset = topUp.querySelector<HTMLButtonElement>('.presets button')!; // $10 buys 80 tokens
    preset.click();
    await waitUntil(() => preset.getAttribute('aria-pressed') === 'true');
    expect((await amountInput(topUp)).value).to.equal('80');
  });

  it('shows the server’s field message under the field on a 422, with no Retry', async () => {
    const { el, link } = await mountPortal();
    const topUp = await section(el, 'credyt-portal-top-up');
    const input = await amountInput(topUp);
    type(input, '13');
    pay(topUp).click();
    await waitUntil(() => topUp.querySelector('.field-error'));
    expect(text(topUp.querySelector('.field-error'))).to.equal('Top-ups of 13 are not accepted.');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(topUp.querySelectorAll('[role="alert"], .error')).to.have.length(0);
    expect([...topUp.querySelectorAll('button')].map(text)).to.not.include('Retry');
    expect(await topUpRequests(link)).to.have.length(1);
    // Changing the amount clears it.
    type(input, '14');
    await waitUntil(() => !topUp.querySelector('.field-error'));
  });

  it('shows one error with Retry when the service is unavailable (503), and Retry sends the same key', async () => {
    const errors: unknown[] = [];
    const { el, link } = await mountPortal({ setup: (el) => el.addEventListener('credyt-error', (e) => errors.push(e.detail)) });
    const topUp = await section(el, 'credyt-portal-top-up');
    type(await amountInput(topUp), '42');
    pay(topUp).click();
    await waitUntil(() => topUp.querySelector('[role="alert"]'));
    const alerts = topUp.querySelectorAll('[role="alert"]');
    expect(alerts).to.have.length(1);
    expect(text(alerts[0])).to.equal('The billing service is not responding right now. Try again in a moment. Retry');
    expect(text(topUp.querySelector('[role="alert"]'))).to.not.contain('Service Unavailable');
    expect(topUp.querySelector('.field-error')).to.equal(null);
    alerts[0]!.querySelector('button')!.click();
    await waitUntil(async () => (await topUpRequests(link)).length === 2);
    await waitUntil(() => topUp.querySelectorAll('[role="alert"]').length === 1);
    expect(errors).to.have.length(2); // the host page hears of each failure once
  });

  it('creates one top-up for a double click, with one idempotency key, and fires a cancelable credyt-top-up-started', async () => {
    const started: TopUpStartedDetail[] = [];
    const { el, link } = await mountPortal({ setup: (el) => cancelRedirect(el, started) });
    const topUp = await section(el, 'credyt-portal-top-up');
    const preset = await find<HTMLButtonElement>(topUp, '.presets button:nth-child(2)');
    preset.click();
    await waitUntil(() => preset.getAttribute('aria-pressed') === 'true');
    pay(topUp).click();
    pay(topUp).click();
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
      pay(topUp).click();
      await waitUntil(() => started.length === 1);
      const [created] = (await fixtureLog(link)).topUps;
      expect(created!.return_url).to.equal(`${location.origin}${location.pathname}?tab=billing`);
    } finally {
      history.replaceState(null, '', original);
    }
  });

  it('does not repeat the wallet’s failure: no second error, no second Retry', async () => {
    const { el } = await mountPortal({ scenario: 'failing' });
    const topUp = await section(el, 'credyt-portal-top-up');
    await waitUntil(() => text(topUp).includes('once your balances have loaded'));
    expect(topUp.querySelector('[role="alert"]')).to.equal(null);
    expect(topUp.querySelector('button')).to.equal(null);
  });

  for (const width of [320, 1280]) {
    it(`keeps every amount and field inside the section at ${width} px`, async () => {
      const container = document.createElement('div');
      container.style.width = `${width}px`;
      document.body.append(container);
      try {
        const { el } = await mountPortal({ container, attrs: { locale: 'ar' } });
        const topUp = await section(el, 'credyt-portal-top-up');
        await find(topUp, '.presets button');
        type(await amountInput(topUp), '1');
        pay(topUp).click();
        await find(topUp, '.field-error');
        const box = topUp.querySelector('.card')!.getBoundingClientRect();
        const parts = topUp.querySelectorAll('.presets button, input, .hint, .field-error, button[type="submit"], select');
        expect(parts.length).to.be.greaterThan(5);
        for (const part of parts) {
          const r = part.getBoundingClientRect();
          expect(r.left, part.textContent ?? part.localName).to.be.at.least(box.left - 0.5);
          expect(r.right, part.textContent ?? part.localName).to.be.at.most(box.right + 0.5);
          if (part.localName === 'button') expect(r.height).to.be.at.least(24);
        }
        const columns = getComputedStyle(topUp.querySelector('.presets')!).gridTemplateColumns.split(' ').length;
        expect(columns).to.equal(width === 320 ? 2 : 4);
      } finally {
        container.remove();
      }
    });
  }
});
