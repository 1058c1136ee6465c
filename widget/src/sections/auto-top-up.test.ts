import { expect, waitUntil } from '@open-wc/testing';
import type { RedirectDetail } from '../events.ts';
import {
  cleanup,
  emitStreamEvent,
  find,
  fixtureLog,
  mountPortal,
  section,
  shownDateTime,
  streamOpen,
  text,
} from '../test-support/portal.ts';

describe('auto top-up section', () => {
  afterEach(cleanup);

  function type(input: HTMLInputElement, value: string): void {
    input.value = value;
    input.dispatchEvent(new Event('input'));
  }

  /** The form of one asset, by the name its switch carries. */
  async function form(auto: ShadowRoot, name: string): Promise<HTMLFormElement> {
    await find(auto, '.settings form');
    return [...auto.querySelectorAll<HTMLFormElement>('.settings form')].find((f) => text(f.querySelector('.switch-row')).includes(name))!;
  }

  const cancelRedirects = (redirects: RedirectDetail[]) => (el: HTMLElement) =>
    el.addEventListener('credyt-redirect', (event) => {
      redirects.push(event.detail);
      event.preventDefault();
    });

  it('shows the customer’s one card as “Visa •••• 4242”, once, and the same form for every asset', async () => {
    const { el } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const method = await find(auto, '.method');
    expect(text(method)).to.contain('Visa •••• 4242').and.contain('Expires 12/2030');
    expect(auto.querySelectorAll('.card-name')).to.have.length(1);
    expect(text(auto)).to.not.contain('No card saved yet');
    const forms = auto.querySelectorAll('.settings form');
    expect(forms).to.have.length(2);
    // One layout: a switch, then the two fields (shown only while it is on), for every asset alike.
    for (const f of forms) {
      expect([...f.querySelectorAll('input')].map((i) => i.getAttribute('name') ?? i.getAttribute('role'))).to.deep.equal([
        'switch',
        'threshold',
        'amount',
      ]);
    }
    const [usd, credits] = forms;
    expect(usd!.querySelector<HTMLElement>('.fields')!.hidden).to.equal(false);
    expect(credits!.querySelector<HTMLElement>('.fields')!.hidden).to.equal(true);
    expect(credits!.querySelector('input[name="threshold"]')!.getBoundingClientRect().height).to.equal(0);
  });

  it('says in one sentence what will happen, as the customer types', async () => {
    const { el } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const usd = await form(auto, 'US Dollar');
    expect(text(usd.querySelector('.summary'))).to.equal(
      'When your USD balance falls below $10.00, we add $50.00, charged to Visa •••• 4242.',
    );
    type(usd.querySelector<HTMLInputElement>('input[name="threshold"]')!, '90');
    type(usd.querySelector<HTMLInputElement>('input[name="amount"]')!, '25');
    await waitUntil(
      () => text(usd.querySelector('.summary')) === 'When your USD balance falls below $90.00, we add $25.00, charged to Visa •••• 4242.',
    );
    // A custom unit says what it adds and what it costs.
    const credits = await form(auto, 'Credits');
    credits.querySelector<HTMLInputElement>('input[role="switch"]')!.click();
    await waitUntil(() => !credits.querySelector<HTMLElement>('.fields')!.hidden);
    expect(text(credits.querySelector('.summary'))).to.equal(
      'When your Credits balance falls below 1,000 credits, we add 2,500 credits for $25.00, charged to Visa •••• 4242.',
    );
  });

  it('Save with the switch off shows no field errors and turns it off, keeping the amounts', async () => {
    const { el, link } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const usd = await form(auto, 'US Dollar');
    const amount = usd.querySelector<HTMLInputElement>('input[name="amount"]')!;
    type(amount, '0');
    amount.dispatchEvent(new Event('blur'));
    await waitUntil(() => usd.querySelector('.field-error'));
    usd.querySelector<HTMLInputElement>('input[role="switch"]')!.click();
    await waitUntil(() => usd.querySelector<HTMLElement>('.fields')!.hidden);
    usd.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(async () => (await fixtureLog(link)).autoUpdates.length === 1);
    expect(usd.querySelector('.field-error')).to.equal(null);
    const [update] = (await fixtureLog(link)).autoUpdates;
    expect(update!.body).to.include({ enabled: false, threshold: '10', amount: '50' });
    await waitUntil(() => text(usd.querySelector('.actions [role="status"]')) === 'Automatic top-up is off.');
  });

  it('validates only once a field is left or Save is pressed, each field under itself, and sends nothing', async () => {
    const { el, link } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const usd = await form(auto, 'US Dollar');
    const amount = usd.querySelector<HTMLInputElement>('input[name="amount"]')!;
    type(amount, '2');
    await el.updateComplete;
    expect(usd.querySelector('.field-error')).to.equal(null);
    amount.dispatchEvent(new Event('blur'));
    await waitUntil(() => usd.querySelector('.field-error'));
    // $2 is below the platform's $5 minimum: said under the amount, in the customer's terms.
    expect(text(usd.querySelector('#auto-USD-amount-error'))).to.equal('The minimum top-up is $5.00.');
    expect(amount.getAttribute('aria-invalid')).to.equal('true');
    expect(usd.querySelector('input[name="threshold"]')!.getAttribute('aria-invalid')).to.equal('false');

    const credits = await form(auto, 'Credits');
    credits.querySelector<HTMLInputElement>('input[role="switch"]')!.click();
    const creditsAmount = credits.querySelector<HTMLInputElement>('input[name="amount"]')!;
    type(creditsAmount, '1,5'); // credits have no decimals
    (await find<HTMLButtonElement>(credits, 'button[type="submit"]')).click();
    await waitUntil(() => credits.querySelector('.field-error'));
    expect(text(credits.querySelector('.field-error'))).to.equal('Enter a whole number.');
    expect(auto.activeElement).to.equal(creditsAmount);
    expect((await fixtureLog(link)).autoUpdates).to.have.length(0);
  });

  it('shows the server’s field message under its field on a 422, and one error with Retry on a 503', async () => {
    const { el, link } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const usd = await form(auto, 'US Dollar');
    const amount = usd.querySelector<HTMLInputElement>('input[name="amount"]')!;
    type(amount, '13');
    usd.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(() => usd.querySelector('.field-error'));
    expect(text(usd.querySelector('#auto-USD-amount-error'))).to.equal('Top-ups of 13 are not accepted.');
    expect(usd.querySelector('[role="alert"]')).to.equal(null);
    expect(auto.activeElement).to.equal(amount);

    type(amount, '42');
    usd.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(() => usd.querySelector('.failure'));
    expect(usd.querySelectorAll('.failure')).to.have.length(1);
    expect(text(usd.querySelector('.failure'))).to.equal('The billing service is not responding right now. Try again in a moment. Retry');
    usd.querySelector<HTMLButtonElement>('.failure button')!.click();
    // 13, 42, and the Retry of 42.
    await waitUntil(async () => (await fixtureLog(link)).requests.filter((r) => r.method === 'PUT').length === 3);
    await waitUntil(() => usd.querySelectorAll('.failure').length === 1);
  });

  it('“No card saved yet” goes once a card is saved', async () => {
    const original = location.href;
    history.replaceState(null, '', '?credyt_card=saved');
    try {
      const { el, link } = await mountPortal({ scenario: 'nocard' });
      const auto = await section(el, 'credyt-portal-auto-top-up');
      await waitUntil(() => text(auto.querySelector('.method')).includes('No card saved yet'));
      expect(text(auto.querySelector('.method button'))).to.equal('Save a card');
      // Stripe's webhook lands a moment after the customer is back.
      await fetch('/__fixture/save-card', { method: 'POST', body: JSON.stringify({ link }) });
      await waitUntil(() => text(auto.querySelector('.method')).includes('Mastercard •••• 4444'), 'the card did not show', {
        timeout: 5000,
      });
      expect(text(auto)).to.not.contain('No card saved yet');
      expect(text(auto.querySelector('.method button'))).to.equal('Replace card');
    } finally {
      history.replaceState(null, '', original);
    }
  });

  it('sends the customer to save a card through a cancelable credyt-redirect, returning to this page', async () => {
    const redirects: RedirectDetail[] = [];
    const { el, link } = await mountPortal({ scenario: 'nocard', setup: cancelRedirects(redirects) });
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const credits = await form(auto, 'Credits');
    credits.querySelector<HTMLInputElement>('input[role="switch"]')!.click();
    await waitUntil(() => text(credits).includes('Saving this takes you to save a card first.'));
    type(credits.querySelector<HTMLInputElement>('input[name="threshold"]')!, '100');
    type(credits.querySelector<HTMLInputElement>('input[name="amount"]')!, '1000');
    credits.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(() => redirects.length === 1);
    expect(redirects[0]).to.deep.equal({ reason: 'card_setup', asset: 'CREDITS', url: 'https://pay.example/setup/CREDITS' });
    const [update] = (await fixtureLog(link)).autoUpdates;
    expect(update!.body).to.include({ enabled: true, threshold: '100', amount: '1000', return_url: location.href });
    // The card's own button goes the same way, through the card setup route.
    auto.querySelector<HTMLButtonElement>('.method button')!.click();
    await waitUntil(() => redirects.length === 2);
    expect(redirects[1]).to.include({ reason: 'card_setup', url: 'https://pay.example/setup/card' });
  });

  it('tells when an automatic top-up fires: “Auto top-up +$25.00 · Receipt”', async () => {
    const { el, link } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    await find(auto, '.settings');
    await streamOpen(link);
    await emitStreamEvent(link, 'transaction.created', {
      id: 'txn_auto',
      created_at: new Date().toISOString(),
      occurred_at: new Date().toISOString(),
      category: 'auto_top_up',
      description: 'Auto top-up',
      amount: '25',
      asset: 'USD',
      balance_after: '67.5',
      receipt_url: 'https://pay.example/receipts/auto_1',
    });
    const notice = await find(auto, '.notice.success.fired');
    expect(text(notice.querySelector('.what strong'))).to.equal('Auto top-up +$25.00');
    expect(text(notice)).to.match(/^Auto top-up \+\$25\.00 · Receipt \(opens in a new tab\) Dismiss$/);
    expect(notice.getAttribute('role')).to.equal('status');
    expect(notice.querySelector<HTMLAnchorElement>('a')!.href).to.equal('https://pay.example/receipts/auto_1');
    // A usage debit is not one.
    notice.querySelector('button')!.click();
    await emitStreamEvent(link, 'transaction.created', {
      id: 'txn_usage',
      created_at: new Date().toISOString(),
      occurred_at: new Date().toISOString(),
      category: 'usage',
      description: 'Chat completions',
      amount: '-1',
      asset: 'USD',
      balance_after: '66.5',
      receipt_url: null,
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(auto.querySelector('.fired')).to.equal(null);
  });

  it('tells when one fails: the reason, what happens next, and a button to fix the card', async () => {
    const redirects: RedirectDetail[] = [];
    const { el, link } = await mountPortal({ attrs: { locale: 'es' }, setup: cancelRedirects(redirects) });
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const usd = await form(auto, 'el saldo en dólar estadounidense');
    await waitUntil(() => text(usd.querySelector('.notice.danger')).includes('rechazada')); // the one read with the settings
    expect(text(auto.querySelector('.method'))).to.contain('Vence 12/2030');
    expect(text(usd.querySelector('.summary'))).to.equal(
      'Cuando tu saldo de USD baje de 10,00 US$, añadiremos 50,00 US$ con cargo a Visa •••• 4242.',
    );
    await streamOpen(link);
    await emitStreamEvent(link, 'top_up.updated', {
      id: 'top_auto_9',
      status: 'failed',
      kind: 'auto',
      asset: 'USD',
      amount: '20',
      failure: { code: 'expired_card', message: 'Your card has expired.' },
    });
    await waitUntil(() => text(usd.querySelector('.notice.danger')).includes('Tu tarjeta ha caducado.'));
    // The amount it was to add, from the event.
    expect(text(usd.querySelector('.notice.danger strong'))).to.match(/^La recarga automática de 20,00 US\$ del .+ falló\.$/);
    // One notice for the failure: the live one replaces the one read before.
    const notices = usd.querySelectorAll('.notice.danger');
    expect(notices).to.have.length(1);
    expect(notices[0]!.getAttribute('role')).to.equal('alert');
    expect(text(notices[0])).to.contain('Lo intentaremos de nuevo la próxima vez que tu saldo baje de 10,00 US$.');
    notices[0]!.querySelector('button')!.click();
    await waitUntil(() => redirects.length === 1);
    expect(redirects[0]).to.include({ reason: 'card_setup', asset: 'USD', url: 'https://pay.example/setup/card' });
    const setup = (await fixtureLog(link)).autoUpdates.find((u) => u.asset === 'USD');
    expect(setup?.body).to.include({ asset: 'USD', return_url: location.href });
  });

  it('shows a failure read with the settings once, in the customer’s words (not the server’s), with one button to fix it', async () => {
    const { el } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const usd = await form(auto, 'US Dollar');
    const notices = usd.querySelectorAll('.notice.danger');
    expect(notices).to.have.length(1);
    // What failed: the amount and when (the fixture's failure was on 2025-11-19 at 08:30 UTC).
    const when = shownDateTime(new Date('2025-11-19T08:30:00.000Z'));
    expect(text(notices[0]!.querySelector('strong'))).to.equal(`The automatic top-up of $50.00 on ${when} failed.`);
    expect(text(notices[0])).to.contain('Your card was declined.').and.contain('We will try again').and.contain('Update card');
    expect(notices[0]!.getAttribute('role')).to.equal(null); // not announced: it is old news
    // One action, one button: the card's own "Replace card" gives way to the notice's "Update card".
    const buttons = [...auto.querySelectorAll('button')].map(text).filter((name) => /card/i.test(name));
    expect(buttons).to.deep.equal(['Update card']);
    expect(auto.querySelector('.method button')).to.equal(null);
  });

  for (const width of [320, 1280]) {
    it(`keeps every field and amount inside the section at ${width} px, in Arabic`, async () => {
      const container = document.createElement('div');
      container.style.width = `${width}px`;
      document.body.append(container);
      try {
        const { el } = await mountPortal({ container, attrs: { locale: 'ar' } });
        const auto = await section(el, 'credyt-portal-auto-top-up');
        const usd = (await find(auto, '.settings form')) as HTMLFormElement;
        await find(usd, '.summary');
        const box = auto.querySelector('.card')!.getBoundingClientRect();
        const parts = auto.querySelectorAll('.method, .method button, input, .summary, .notice, button');
        for (const part of parts) {
          const r = part.getBoundingClientRect();
          if (r.width === 0) continue; // hidden fields of a switched-off asset
          expect(r.left, part.className || part.localName).to.be.at.least(box.left - 0.5);
          expect(r.right, part.className || part.localName).to.be.at.most(box.right + 0.5);
          if (part.localName === 'button' || part.getAttribute('role') === 'switch') expect(r.height).to.be.at.least(24);
        }
        const [threshold, amount] = [...usd.querySelectorAll('input[inputmode="decimal"]')].map((i) => i.getBoundingClientRect());
        // Side by side when there is room, stacked on a phone.
        if (width === 320) expect(amount!.top).to.be.greaterThan(threshold!.bottom);
        else expect(Math.abs(amount!.top - threshold!.top)).to.be.below(1);
        expect(usd.querySelector('.summary bdi')).to.not.equal(null);
      } finally {
        container.remove();
      }
    });
  }
});
