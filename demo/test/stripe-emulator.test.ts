/**
 * The Stripe emulator, driven as the BFF drives Stripe: through the official `stripe` SDK pointed at it the
 * way `STRIPE_API_BASE` does, with webhooks checked by `stripe.webhooks.constructEvent`. The Checkout page is
 * driven like a browser would (form posts), and the test switches through the control object.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type RunningStripeEmulator } from '../src/stripe-emulator/index.ts';

const webhookSecret = 'whsec_test_secret';

/** What the BFF does with `STRIPE_API_BASE`: split the URL into the SDK's host, port and protocol. */
function stripeAt(apiBase: string, config: Stripe.StripeConfig = {}): Stripe {
  const url = new URL(apiBase);
  return new Stripe('sk_test_x', {
    host: url.hostname,
    port: Number(url.port),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 0,
    ...config,
  });
}

interface ReceivedWebhook {
  payload: string;
  signature: string;
}

/** A stand-in for `POST /webhooks/stripe`: records what arrives and answers the statuses it is told to. */
class WebhookReceiver {
  received: ReceivedWebhook[] = [];
  nextStatuses: number[] = [];
  private server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.received.push({
        payload: Buffer.concat(chunks).toString('utf8'),
        signature: String(request.headers['stripe-signature']),
      });
      response.statusCode = this.nextStatuses.shift() ?? 200;
      response.end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/stripe`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Every delivery, verified exactly as the BFF will verify it. */
  events(): Stripe.Event[] {
    return this.received.map(({ payload, signature }) => Stripe.webhooks.constructEvent(payload, signature, webhookSecret));
  }
}

let emulator: RunningStripeEmulator;
let receiver: WebhookReceiver;
let stripe: Stripe;

beforeAll(async () => {
  receiver = new WebhookReceiver();
  const webhookUrl = await receiver.start();
  emulator = await startStripeEmulator({ port: 0, webhookUrl, webhookSecret });
  stripe = stripeAt(emulator.url);
});

afterAll(async () => {
  await emulator.close();
  await receiver.stop();
});

beforeEach(async () => {
  // Let the previous test's deliveries land before the receiver forgets them.
  await emulator.control.flush();
  emulator.control.reset();
  emulator.control.configure({ retryBaseMs: 10 });
  receiver.received = [];
  receiver.nextStatuses = [];
});

const topUp = (customer: string, extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
  stripe.checkout.sessions.create({
    mode: 'payment',
    customer,
    line_items: [
      {
        price_data: { currency: 'usd', unit_amount: 2500, product_data: { name: 'Wallet top-up' } },
        quantity: 1,
      },
    ],
    success_url: 'http://localhost:8787/portal/?top_up={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://localhost:8787/portal/',
    metadata: { top_up_id: 'top_1' },
    ...extra,
  });

const saveCard = (customer: string) =>
  stripe.checkout.sessions.create({
    mode: 'setup',
    currency: 'usd',
    customer,
    success_url: 'http://localhost:8787/portal/?setup={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://localhost:8787/portal/',
  });

/** Submits the Checkout page's form, as a browser would, without following the redirect. */
async function submitCard(url: string, cardNumber: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body: new URLSearchParams({ card_number: cardNumber, expiry: '12 / 34', cvc: '123' }),
    redirect: 'manual',
  });
}

async function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
}

describe('Checkout in payment mode', () => {
  it('pays with 4242 on the page, redirects to success_url and sends signed webhooks', async () => {
    const customer = await stripe.customers.create({ email: 'ada@example.com', metadata: { platform: 'p1' } });
    const session = await topUp(customer.id);
    expect(session).toMatchObject({ object: 'checkout.session', status: 'open', payment_status: 'unpaid', amount_total: 2500 });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`${emulator.publicUrl}/checkout/${session.id}`);

    const page = await fetch(session.url!);
    const html = await page.text();
    expect(html).toContain('<label for="card-number">Card number</label>');
    expect(html).toContain('<button type="submit">Pay</button>');
    expect(html).toContain('$25.00');
    expect(html).toContain('Wallet top-up');
    expect(html).toContain('href="http://localhost:8787/portal/">Cancel</a>');

    const paid = await submitCard(session.url!, '4242 4242 4242 4242');
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`http://localhost:8787/portal/?top_up=${session.id}`);

    const completed = await stripe.checkout.sessions.retrieve(session.id, {
      expand: ['payment_intent.latest_charge'],
    });
    expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid', customer: customer.id });
    const intent = completed.payment_intent as Stripe.PaymentIntent;
    expect(intent).toMatchObject({ status: 'succeeded', amount: 2500, amount_received: 2500, currency: 'usd' });
    const charge = intent.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ object: 'charge', status: 'succeeded', paid: true, payment_intent: intent.id });
    expect(charge.payment_method_details?.card?.last4).toBe('4242');
    const receipt = await fetch(charge.receipt_url!);
    expect(receipt.status).toBe(200);
    expect(await receipt.text()).toContain('$25.00');

    await emulator.control.flush();
    const events = receiver.events();
    expect(events.map((event) => event.type)).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
    const completedEvent = events[1] as Stripe.CheckoutSessionCompletedEvent;
    expect(completedEvent.data.object).toMatchObject({ id: session.id, metadata: { top_up_id: 'top_1' }, payment_status: 'paid' });
    expect(completedEvent.api_version).toBe(Stripe.API_VERSION);
    expect((await stripe.events.retrieve(completedEvent.id)).type).toBe('checkout.session.completed');
    expect(emulator.control.deliveries().every((delivery) => delivery.status === 200)).toBe(true);
  });

  it('re-renders the page with the decline message for 4000 0000 0000 0002, then accepts another card', async () => {
    const customer = await stripe.customers.create({ email: 'grace@example.com' });
    const session = await topUp(customer.id);

    const declined = await submitCard(session.url!, '4000 0000 0000 0002');
    expect(declined.status).toBe(200);
    const html = await declined.text();
    expect(html).toContain('<p role="alert" id="card-error">Your card was declined.</p>');
    expect(html).toContain('Card number');
    const afterDecline = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(afterDecline.status).toBe('open');
    expect((afterDecline.payment_intent as Stripe.PaymentIntent).last_payment_error).toMatchObject({
      code: 'card_declined',
      decline_code: 'generic_decline',
    });

    expect(await (await submitCard(session.url!, '4242 4242 4242 4241')).text()).toContain('Your card number is invalid.');
    expect(await (await submitCard(session.url!, '4000000000009995')).text()).toContain('Your card has insufficient funds.');

    expect((await submitCard(session.url!, '4242424242424242')).status).toBe(303);
    const intent = (await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] }))
      .payment_intent as Stripe.PaymentIntent;
    expect(intent.status).toBe('succeeded');

    await emulator.control.flush();
    expect(receiver.events().map((event) => event.type)).toEqual([
      'payment_intent.payment_failed',
      'payment_intent.payment_failed',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
  });

  it('asks 4000 0025 0000 3155 for 3D Secure on the page and saves it with setup_future_usage', async () => {
    const customer = await stripe.customers.create({ email: 'alan@example.com' });
    const session = await topUp(customer.id, { payment_intent_data: { setup_future_usage: 'off_session' } });

    const challenge = await submitCard(session.url!, '4000002500003155');
    const html = await challenge.text();
    expect(html).toContain('Complete authentication');
    expect(html).toContain('Fail authentication');

    const failed = await postForm(`${session.url}/authenticate`, { outcome: 'fail' });
    expect(await failed.text()).toContain('We are unable to authenticate your payment method.');

    await submitCard(session.url!, '4000002500003155');
    const done = await postForm(`${session.url}/authenticate`, { outcome: 'complete' });
    expect(done.status).toBe(303);

    const methods = await stripe.customers.listPaymentMethods(customer.id);
    expect(methods.data).toHaveLength(1);
    expect(methods.data[0]!.card).toMatchObject({ last4: '3155', brand: 'visa' });
  });

  it('completes unpaid and settles later when the async switch is on', async () => {
    const customer = await stripe.customers.create({});
    const session = await topUp(customer.id);
    emulator.control.configure({ nextCheckoutAsync: true });
    expect(emulator.control.completeCheckout(session.id).session.payment_status).toBe('unpaid');
    emulator.control.settleAsync(session.id, true);

    expect((await stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('paid');
    await emulator.control.flush();
    expect(receiver.events().map((event) => event.type)).toEqual([
      'checkout.session.completed',
      'payment_intent.succeeded',
      'checkout.session.async_payment_succeeded',
    ]);
  });

  it('expires a session through the API', async () => {
    const customer = await stripe.customers.create({});
    const session = await topUp(customer.id);
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ status: 'expired', url: null });
    await expect(stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({ type: 'StripeInvalidRequestError' });
    await emulator.control.flush();
    expect(receiver.events().map((event) => event.type)).toEqual(['checkout.session.expired']);
  });
});

describe('saved cards charged off-session', () => {
  async function customerWithCard(cardNumber: string) {
    const customer = await stripe.customers.create({ email: 'auto@example.com' });
    const session = await saveCard(customer.id);
    const result = emulator.control.completeCheckout(session.id, cardNumber);
    expect(result.outcome).toBe('completed');
    const setup = await stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
    const setupIntent = setup.setup_intent as Stripe.SetupIntent;
    return { customer, setup, setupIntent, paymentMethod: setupIntent.payment_method as string };
  }

  const chargeOffSession = (customer: string, paymentMethod: string, idempotencyKey?: string) =>
    stripe.paymentIntents.create(
      {
        customer,
        amount: 1000,
        currency: 'usd',
        payment_method: paymentMethod,
        off_session: true,
        confirm: true,
        metadata: { auto_top_up: 'yes' },
      },
      idempotencyKey ? { idempotencyKey } : {},
    );

  it('saves a card in setup mode (with 3D Secure for …3155) and charges it off-session', async () => {
    const { customer, setup, setupIntent, paymentMethod } = await customerWithCard('4000 0025 0000 3155');
    expect(setup).toMatchObject({ status: 'complete', payment_status: 'no_payment_required' });
    expect(setupIntent).toMatchObject({ status: 'succeeded', usage: 'off_session' });
    expect(await stripe.paymentMethods.retrieve(paymentMethod)).toMatchObject({ customer: customer.id, card: { last4: '3155' } });

    const intent = await chargeOffSession(customer.id, paymentMethod, 'auto-top-up-1');
    expect(intent).toMatchObject({ status: 'succeeded', amount_received: 1000, metadata: { auto_top_up: 'yes' } });
    expect((await stripe.charges.retrieve(intent.latest_charge as string)).receipt_url).toMatch(/\/receipts\/ch_/);

    await emulator.control.flush();
    const succeeded = receiver.events().find((event) => event.type === 'payment_intent.succeeded');
    expect(succeeded?.request).toEqual({ id: expect.stringMatching(/^req_/), idempotency_key: 'auto-top-up-1' });
    expect(receiver.events().map((event) => event.type)).toEqual([
      'setup_intent.succeeded',
      'checkout.session.completed',
      'payment_intent.succeeded',
    ]);
  });

  it('fails 4000 0027 6000 3184 off-session with authentication_required', async () => {
    const { customer, paymentMethod } = await customerWithCard('4000002760003184');
    const error = await chargeOffSession(customer.id, paymentMethod).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    const cardError = error as Stripe.errors.StripeCardError;
    expect(cardError).toMatchObject({ statusCode: 402, code: 'authentication_required', decline_code: 'authentication_required' });
    expect(cardError.payment_intent).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'authentication_required', type: 'card_error' },
    });
    const stored = await stripe.paymentIntents.retrieve(cardError.payment_intent!.id);
    expect(stored.status).toBe('requires_payment_method');

    await emulator.control.flush();
    expect(receiver.events().at(-1)?.type).toBe('payment_intent.payment_failed');
  });

  it('saves 4000 0000 0000 0341 but declines charging it', async () => {
    const { customer, paymentMethod } = await customerWithCard('4000000000000341');
    await expect(chargeOffSession(customer.id, paymentMethod)).rejects.toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
    });
  });
});

describe('idempotency keys', () => {
  it('replays the first answer for the same key and parameters, and refuses other parameters', async () => {
    const first = await stripe.customers.create({ email: 'same@example.com' }, { idempotencyKey: 'create-customer-1' });
    const replay = await stripe.customers.create({ email: 'same@example.com' }, { idempotencyKey: 'create-customer-1' });
    expect(replay.id).toBe(first.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await stripe.customers.list({ email: 'same@example.com' })).data).toHaveLength(1);

    await expect(stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'create-customer-1' })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
      statusCode: 400,
    });
  });

  it('replays a declined off-session payment instead of charging again', async () => {
    const customer = await stripe.customers.create({});
    const session = await saveCard(customer.id);
    emulator.control.completeCheckout(session.id, '4000000000000341');
    const paymentMethod = (await stripe.customers.listPaymentMethods(customer.id)).data[0]!.id;
    const attempt = () =>
      stripe.paymentIntents
        .create(
          { customer: customer.id, amount: 1000, currency: 'usd', payment_method: paymentMethod, off_session: true, confirm: true },
          { idempotencyKey: 'auto-top-up-2' },
        )
        .then(
          () => expect.unreachable('0341 declines charges'),
          (caught: unknown) => caught as Stripe.errors.StripeCardError,
        );

    const [first, second] = [await attempt(), await attempt()];
    expect(second.payment_intent?.id).toBe(first.payment_intent?.id);
    expect(emulator.control.paymentIntents()).toHaveLength(1);
  });

  it('lets the SDK retry a 500 under its automatic key without creating twice', async () => {
    emulator.control.configure({ failNext: 1 });
    await expect(stripe.customers.create({ email: 'once@example.com' })).rejects.toMatchObject({
      type: 'StripeAPIError',
      statusCode: 500,
    });

    const retrying = stripeAt(emulator.url, { maxNetworkRetries: 2 });
    emulator.control.configure({ failNext: 1 });
    const customer = await retrying.customers.create({ email: 'once@example.com' });
    expect(customer.lastResponse.idempotencyKey).toMatch(/^stripe-node-retry-/);
    expect((await stripe.customers.list({ email: 'once@example.com' })).data).toHaveLength(1);
  });
});

describe('webhook delivery switches', () => {
  it('delivers duplicates, last-first with reorder', async () => {
    emulator.control.configure({ duplicate: 2, reorder: true });
    const customer = await stripe.customers.create({});
    emulator.control.completeCheckout((await topUp(customer.id)).id);
    await emulator.control.flush();

    const events = receiver.events();
    expect(events.map((event) => event.type)).toEqual([
      'checkout.session.completed',
      'checkout.session.completed',
      'payment_intent.succeeded',
      'payment_intent.succeeded',
    ]);
    expect(events[0]!.id).toBe(events[1]!.id);
    expect(emulator.control.events()).toHaveLength(2);
  });

  it('retries a failed delivery with backoff, and redelivers on request', async () => {
    receiver.nextStatuses = [500, 503];
    const customer = await stripe.customers.create({});
    const session = await topUp(customer.id);
    await stripe.checkout.sessions.expire(session.id);
    await emulator.control.flush();
    expect(emulator.control.deliveries().map(({ attempt, status }) => ({ attempt, status }))).toEqual([
      { attempt: 1, status: 500 },
      { attempt: 2, status: 503 },
      { attempt: 3, status: 200 },
    ]);

    emulator.control.redeliver(emulator.control.events()[0]!.id);
    await emulator.control.flush();
    expect(receiver.events().map((event) => event.type)).toEqual(Array(4).fill('checkout.session.expired'));
  });

  it('delivers with several senders in parallel', async () => {
    emulator.control.configure({ parallel: 4, delayMs: 20, duplicate: 3 });
    const customer = await stripe.customers.create({});
    emulator.control.completeCheckout((await topUp(customer.id)).id);
    await emulator.control.flush();
    expect(receiver.received).toHaveLength(6);
  });
});

describe('API failures', () => {
  it('refuses a key that is not a test secret key with a 401', async () => {
    const live = new Stripe('sk_live_x', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
    await expect(live.customers.list()).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
  });

  it('answers unknown ids with 404 resource_missing and unknown parameters with 400', async () => {
    await expect(stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: "No such customer: 'cus_missing'",
    });
    await expect(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirmation_token: 'ctoken_x' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'confirmation_token',
    });
  });

  it('hangs until the client gives up, when told to', async () => {
    emulator.control.configure({ hang: true });
    const impatient = stripeAt(emulator.url, { timeout: 200 });
    await expect(impatient.customers.list()).rejects.toMatchObject({ type: 'StripeConnectionError' });
    emulator.control.configure({ hang: false });
    await expect(stripe.customers.list()).resolves.toMatchObject({ object: 'list' });
  });

  it('serves the control API over HTTP for other processes', async () => {
    const control = `${emulator.url}/__emulator`;
    const configured = await fetch(`${control}/config`, { method: 'POST', body: JSON.stringify({ duplicate: 2 }) });
    expect(await configured.json()).toMatchObject({ duplicate: 2 });
    const customer = await stripe.customers.create({});
    const session = await topUp(customer.id);
    const completed = await fetch(`${control}/checkout/${session.id}/complete`, {
      method: 'POST',
      body: JSON.stringify({ cardNumber: '4000000000000002' }),
    });
    expect(await completed.json()).toMatchObject({ outcome: 'declined', message: 'Your card was declined.' });
    expect(await (await fetch(`${control}/flush`, { method: 'POST' })).text()).toBe('');
    expect(await (await fetch(`${control}/deliveries`)).json()).toHaveLength(2);
    expect((await fetch(`${control}/reset`, { method: 'POST' })).status).toBe(204);
    expect(await (await fetch(`${control}/events`)).json()).toEqual([]);
  });
});
