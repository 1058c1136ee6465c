/**
 * The element against the real BFF (bff/src/app.ts on an in-memory database, with the Stripe emulator and the auto
 * top-up worker), started by the test server (test/real-bff.mjs). Each test gets a platform of its own with one
 * customer: 50 USD topped up, a 5 USD gift and 1,000 free credits, seeded through the platform API.
 */
import { expect, waitUntil } from '@open-wc/testing';
import './index.ts';
import type { CredytBillingPortal } from './credyt-billing-portal.ts';
import type { RedirectDetail, TopUpStartedDetail } from './events.ts';
import { find, root, section, text } from './test-support/portal.ts';

interface Setup {
  api_base: string;
  key: string;
  customer_id: string;
  session_id: string;
  token: string;
}

async function control<T>(route: string, body: Record<string, unknown>): Promise<T> {
  const response = await fetch(`/__real-bff${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(answer.error ?? `${route}: ${response.status}`);
  return answer;
}

const newCustomer = () => control<Setup>('/setup', { origin: location.origin });
const newLink = (setup: Setup) =>
  control<{ token: string; session_id: string }>('/session', { key: setup.key, customer_id: setup.customer_id, origin: location.origin });

const mounted = new Set<HTMLElement>();

async function mount(setup: Setup, configure?: (el: CredytBillingPortal) => void): Promise<CredytBillingPortal> {
  const el = document.createElement('credyt-billing-portal');
  el.setAttribute('api-base', setup.api_base);
  el.setAttribute('token', setup.token);
  configure?.(el);
  const ready = new Promise((resolve) => el.addEventListener('credyt-ready', resolve, { once: true }));
  document.body.append(el);
  mounted.add(el);
  await ready;
  return el;
}

async function balances(el: CredytBillingPortal): Promise<string[]> {
  const wallet = await section(el, 'credyt-portal-wallet');
  await find(wallet, '[part="balance"]', 10_000);
  return [...wallet.querySelectorAll('[part="balance"]')].map(text);
}

async function waitForBalance(el: CredytBillingPortal, match: string, message: string): Promise<void> {
  const wallet = await section(el, 'credyt-portal-wallet');
  await waitUntil(() => [...wallet.querySelectorAll('[part="balance"]')].some((b) => text(b).includes(match)), message, {
    timeout: 10_000,
  });
}

/** The live stream is open (events before that are not replayed to a first connection). */
async function streamOpen(el: CredytBillingPortal): Promise<void> {
  const stream = () => (el as unknown as { stream?: { state: string } }).stream;
  await waitUntil(() => stream()?.state === 'open', 'the stream never opened', { timeout: 10_000 });
}

function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event('change'));
}

const rowsOf = (scope: ShadowRoot) => [...scope.querySelectorAll('tbody tr')].map(text);

describe('against the real BFF', function (this: MochaTestContext) {
  // The first test also waits for the BFF to start (migrations on a fresh in-memory database).
  this.timeout(60_000);

  afterEach(() => {
    for (const el of mounted) el.remove();
    mounted.clear();
  });

  it('signs in with a real link token and shows the real balances', async () => {
    const setup = await newCustomer();
    const el = await mount(setup);
    expect(text(root(el).querySelector('h2'))).to.equal('Acme AI billing');
    const [credits, usd] = (await balances(el)).sort();
    expect(usd).to.contain('$55.00');
    expect(credits).to.contain('1,000 credits').and.contain('≈ $10.00');
    // A link signs in once.
    const again = document.createElement('credyt-billing-portal');
    again.setAttribute('api-base', setup.api_base);
    again.setAttribute('token', setup.token);
    const expired = new Promise((resolve) => again.addEventListener('credyt-session-expired', resolve, { once: true }));
    document.body.append(again);
    mounted.add(again);
    await expired;
  });

  it('updates the balance live when the platform reports usage', async () => {
    const setup = await newCustomer();
    const el = await mount(setup);
    await balances(el);
    await streamOpen(el);
    await control('/usage', { key: setup.key, customer_id: setup.customer_id, count: 3 }); // 3 × $0.50
    await waitForBalance(el, '$53.50', 'the balance did not follow the usage');
    await control('/usage', { key: setup.key, customer_id: setup.customer_id, event_type: 'image.generated' }); // 10 credits
    await waitForBalance(el, '990 credits', 'the credits did not follow the usage');
    const usage = await section(el, 'credyt-portal-usage');
    await waitUntil(() => rowsOf(usage).some((row) => row.includes('Chat completions')), 'the usage list did not update', {
      timeout: 10_000,
    });
  });

  it('tops up through Stripe Checkout (the emulator): the wallet is credited and the return says so', async () => {
    const setup = await newCustomer();
    const started: TopUpStartedDetail[] = [];
    const el = await mount(setup, (el) =>
      el.addEventListener('credyt-top-up-started', (event) => {
        started.push(event.detail);
        event.preventDefault(); // the test pays the session itself instead of leaving the page
      }),
    );
    await balances(el);
    await streamOpen(el);
    const topUp = await section(el, 'credyt-portal-top-up');
    choose(await find<HTMLSelectElement>(topUp, 'select'), 'USD');
    await waitUntil(() => text(topUp.querySelector('.presets')).includes('$'));
    // A platform that set no limits: the least Stripe can charge in USD, up to the default maximum.
    await waitUntil(() => text(topUp.querySelector('#amount-hint')) === 'From $0.50 to $10,000.00 per top-up.', 'wrong limits shown');
    const preset = await find<HTMLButtonElement>(topUp, '.presets button:nth-child(2)');
    expect(text(preset)).to.equal('$25.00');
    preset.click();
    await waitUntil(() => !topUp.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled);
    topUp.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(() => started.length === 1, 'no top-up started', { timeout: 10_000 });
    expect(started[0]).to.include({ asset: 'USD', amount: '25' });

    const paid = await control<{ outcome: string; redirect_to: string }>('/complete-checkout', { redirect_url: started[0]!.redirect_url });
    expect(paid.outcome).to.equal('completed');
    await waitForBalance(el, '$80.00', 'the top-up was not credited');

    // Stripe sends the customer back to this page (the return_url the portal passed), where a new portal says so.
    const back = new URL(paid.redirect_to);
    expect(back.origin + back.pathname).to.equal(location.origin + location.pathname);
    expect(back.searchParams.get('credyt_top_up')).to.equal('success');
    expect(back.searchParams.get('top_up_id')).to.equal(started[0]!.id);
    const original = location.href;
    history.replaceState(null, '', back.href);
    try {
      const returned = await mount({ ...setup, ...(await newLink(setup)) });
      const banner = await section(returned, 'credyt-portal-checkout-return');
      await waitUntil(() => text(banner.querySelector('[role="status"]')).includes('Payment received'), 'no "payment received"', {
        timeout: 10_000,
      });
    } finally {
      history.replaceState(null, '', original);
    }
  });

  it('filters transactions and downloads them as CSV', async () => {
    const setup = await newCustomer();
    const el = await mount(setup);
    const transactions = await section(el, 'credyt-portal-transactions');
    await waitUntil(() => rowsOf(transactions).length === 3, 'the three setup entries did not show', { timeout: 10_000 });
    choose(transactions.querySelector<HTMLSelectElement>('select[name="category"]')!, 'gift');
    await waitUntil(() => rowsOf(transactions).length === 2);
    expect(rowsOf(transactions).join(' | ')).to.contain('Launch gift').and.contain('Free credits');
    choose(transactions.querySelector<HTMLSelectElement>('select[name="asset"]')!, 'CREDITS');
    await waitUntil(() => rowsOf(transactions).length === 1);
    expect(rowsOf(transactions)[0]).to.contain('Free credits').and.contain('1,000 credits');

    const blobs: Blob[] = [];
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = (blob: Blob) => {
      blobs.push(blob);
      return createObjectURL(new Blob([], { type: 'text/csv' }));
    };
    try {
      transactions.querySelector<HTMLAnchorElement>('a.download')!.click();
      await waitUntil(() => blobs.length === 1, 'no CSV', { timeout: 10_000 });
    } finally {
      URL.createObjectURL = createObjectURL;
    }
    const csv = await blobs[0]!.text();
    const lines = csv.trim().split(/\r?\n/);
    expect(lines).to.have.length(2); // the header and the one matching entry
    expect(lines[1]).to.contain('Free credits').and.contain('CREDITS');
  });

  it('on a revoked session fires credyt-session-expired, gets a fresh link from fetchToken and carries on', async () => {
    const setup = await newCustomer();
    const expired: boolean[] = [];
    let asked = 0;
    const el = await mount(setup, (el) => {
      el.addEventListener('credyt-session-expired', (event) => expired.push(event.detail.renewing));
      el.fetchToken = async () => {
        asked += 1;
        return (await newLink(setup)).token;
      };
    });
    const transactions = await section(el, 'credyt-portal-transactions');
    await waitUntil(() => rowsOf(transactions).length === 3, 'no transactions', { timeout: 10_000 });

    await control('/revoke', { key: setup.key, session_id: setup.session_id });
    choose(transactions.querySelector<HTMLSelectElement>('select[name="category"]')!, 'top_up');
    await waitUntil(() => rowsOf(transactions).length === 1 && rowsOf(transactions)[0]!.includes('Welcome top-up'), 'no renewal', {
      timeout: 10_000,
    });
    expect(asked).to.equal(1);
    expect(expired).to.deep.equal([true]);
    expect(root(el).querySelector('.state')).to.equal(null);
  });

  it('saves a card for automatic top-up through Stripe’s setup page, then shows it', async () => {
    const setup = await newCustomer();
    const redirects: RedirectDetail[] = [];
    const el = await mount(setup, (el) =>
      el.addEventListener('credyt-redirect', (event) => {
        redirects.push(event.detail);
        event.preventDefault();
      }),
    );
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const usd = [...(await find(auto, '.settings')).querySelectorAll('form')].find((f) => text(f).includes('US Dollar'))!;
    expect(usd.querySelector('.field-error')).to.equal(null); // untouched: no validation errors yet
    const [threshold, amount] = usd.querySelectorAll<HTMLInputElement>('input[inputmode="decimal"]');
    expect([threshold!.value, amount!.value]).to.deep.equal(['', '']); // never set up: empty, not "0"
    for (const [input, value] of [
      [threshold!, '10'],
      [amount!, '20'],
    ] as const) {
      input.value = value;
      input.dispatchEvent(new Event('input'));
    }
    usd.querySelector<HTMLInputElement>('input[role="switch"]')!.click();
    (await find<HTMLButtonElement>(usd, 'button[type="submit"]')).click();
    await waitUntil(() => redirects.length === 1, 'no credyt-redirect', { timeout: 10_000 });
    expect(redirects[0]).to.include({ reason: 'card_setup', asset: 'USD' });

    const saved = await control<{ outcome: string; redirect_to: string }>('/complete-checkout', { redirect_url: redirects[0]!.url });
    expect(saved.outcome).to.equal('completed');
    const back = new URL(saved.redirect_to);
    expect(back.searchParams.get('credyt_card')).to.equal('saved');
    const original = location.href;
    history.replaceState(null, '', back.href);
    try {
      const returned = await mount({ ...setup, ...(await newLink(setup)) });
      const auto2 = await section(returned, 'credyt-portal-auto-top-up');
      await waitUntil(() => text(auto2.querySelector('[role="status"]')).includes('Card saved'));
      await waitUntil(() => text(auto2.querySelector('.method')).includes('Visa •••• 4242'), 'the saved card is not shown', {
        timeout: 10_000,
      });
    } finally {
      history.replaceState(null, '', original);
    }
  });
});
