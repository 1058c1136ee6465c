/**
 * The test harness's handle on the emulator: switches that make Stripe misbehave on purpose, a way to pay
 * without a browser, and a view of what happened. The same operations are served over HTTP under
 * `/__emulator/` for other processes (the BFF's e2e tests, Playwright).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiFaults } from './api.ts';
import { defaultExpiry } from './cards.ts';
import type { IdempotencyKeys } from './idempotency.ts';
import type { CheckoutSession, PaymentIntent, StripeEvent } from './objects.ts';
import type { Payments } from './payments.ts';
import type { Store } from './store.ts';
import type { Delivery, WebhookSender } from './webhooks.ts';

const count = (max: number) => z.int().min(0).max(max);

export const switchesSchema = z.strictObject({
  /** Where webhooks go; empty disables delivery. */
  webhookUrl: z.string(),
  /** Deliver each event this many times. */
  duplicate: count(10).min(1),
  /** Wait before each delivery attempt. */
  delayMs: count(60_000),
  /** Deliver the events of one operation last-first. */
  reorder: z.boolean(),
  /** Concurrent webhook deliveries. */
  parallel: count(16).min(1),
  maxDeliveryAttempts: count(10).min(1),
  /** First webhook retry delay; doubles on each retry. */
  retryBaseMs: count(60_000),
  /** Answer this many API requests with 500 `api_error`. */
  failNext: count(1_000),
  /** Never answer API requests (to test client timeouts) until switched off. */
  hang: z.boolean(),
  /** The next checkout payment completes `unpaid` and settles when `settleAsync` is called. */
  nextCheckoutAsync: z.boolean(),
});
export type EmulatorSwitches = z.output<typeof switchesSchema>;

export function defaultSwitches(webhookUrl: string): EmulatorSwitches {
  return {
    webhookUrl,
    duplicate: 1,
    delayMs: 0,
    reorder: false,
    parallel: 1,
    maxDeliveryAttempts: 4,
    retryBaseMs: 500,
    failNext: 0,
    hang: false,
    nextCheckoutAsync: false,
  };
}

export interface CheckoutResult {
  outcome: 'completed' | 'declined' | 'closed';
  /** The decline message the page would show. */
  message: string | null;
  /** Where the page would send the browser (`success_url`). */
  redirectTo: string | null;
  session: CheckoutSession;
}

export interface CompleteCheckoutOptions {
  /** For 3D Secure cards: what the cardholder does on the challenge page (default `complete`). */
  authentication?: 'complete' | 'fail';
  expiry?: string;
}

export interface EmulatorControl {
  /** Forgets every object, event, delivery and idempotency key; switches go back to defaults. */
  reset(): void;
  configure(changes: Partial<EmulatorSwitches>): EmulatorSwitches;
  switches(): EmulatorSwitches;
  /** What submitting the Checkout page does, without a browser. */
  completeCheckout(sessionId: string, cardNumber?: string, options?: CompleteCheckoutOptions): CheckoutResult;
  settleAsync(sessionId: string, succeed: boolean): CheckoutSession;
  events(): StripeEvent[];
  deliveries(): Delivery[];
  paymentIntents(): PaymentIntent[];
  redeliver(eventId: string): void;
  /** Resolves once every queued, running and scheduled webhook delivery has finished. */
  flush(): Promise<void>;
}

/** Failure injection for the API, read from the switches. */
export class Faults implements ApiFaults {
  private gate: { promise: Promise<void>; open: () => void } | null = null;

  constructor(private readonly switches: EmulatorSwitches) {}

  /** Opens or closes the gate hung requests wait at; call after the switches change. */
  sync(): void {
    if (this.switches.hang && !this.gate) {
      let open = () => {};
      const promise = new Promise<void>((resolve) => (open = resolve));
      this.gate = { promise, open };
    } else if (!this.switches.hang && this.gate) {
      this.gate.open();
      this.gate = null;
    }
  }

  takeFailure(): boolean {
    if (this.switches.failNext === 0) return false;
    this.switches.failNext--;
    return true;
  }

  untilAnswering(): Promise<void> {
    return this.gate?.promise ?? Promise.resolve();
  }
}

export interface ControlDeps {
  store: Store;
  payments: Payments;
  webhooks: WebhookSender;
  idempotency: IdempotencyKeys;
  faults: Faults;
  /** Mutable: the API, the pages and the webhook sender read these on every use. */
  switches: EmulatorSwitches;
  defaults: () => EmulatorSwitches;
}

export class UnknownObjectError extends Error {}

export function createControl({ store, payments, webhooks, idempotency, faults, switches, defaults }: ControlDeps): EmulatorControl {
  const control: EmulatorControl = {
    reset() {
      store.clear();
      idempotency.clear();
      webhooks.reset();
      Object.assign(switches, defaults());
      faults.sync();
    },
    configure(changes) {
      Object.assign(switches, switchesSchema.partial().parse(changes));
      faults.sync();
      return { ...switches };
    },
    switches: () => ({ ...switches }),
    completeCheckout(sessionId, cardNumber = '4242424242424242', options = {}) {
      if (!store.sessions.has(sessionId)) throw new UnknownObjectError(`No such checkout.session: '${sessionId}'`);
      let step = payments.submitCard(sessionId, { number: cardNumber, expiry: options.expiry ?? defaultExpiry() });
      if (step.kind === 'authenticate') {
        step = payments.authenticate(sessionId, (options.authentication ?? 'complete') === 'complete');
      }
      return {
        outcome: step.kind === 'completed' ? 'completed' : step.kind === 'declined' ? 'declined' : 'closed',
        message: step.kind === 'declined' ? step.message : null,
        redirectTo: step.kind === 'completed' ? step.redirectTo : null,
        session: structuredClone(store.sessions.get(sessionId)!),
      };
    },
    settleAsync: (sessionId, succeed) => structuredClone(payments.settleAsync(sessionId, succeed)),
    events: () => structuredClone([...store.events.values()]),
    deliveries: () => webhooks.deliveries(),
    paymentIntents: () => structuredClone([...store.paymentIntents.values()]),
    redeliver(eventId) {
      const event = store.events.get(eventId);
      if (!event) throw new UnknownObjectError(`No such event: '${eventId}'`);
      webhooks.redeliver(event);
    },
    flush: () => webhooks.flush(),
  };
  return control;
}

const completeCheckoutBody = z.strictObject({
  cardNumber: z.string().optional(),
  authentication: z.enum(['complete', 'fail']).optional(),
  expiry: z.string().optional(),
});
const settleBody = z.strictObject({ succeed: z.boolean() });

/** `/__emulator/*`: the control object over HTTP, JSON in and out. */
export function createControlRoutes(control: EmulatorControl): Hono {
  const routes = new Hono()
    .post('/reset', (c) => {
      control.reset();
      return c.body(null, 204);
    })
    .get('/config', (c) => c.json(control.switches()))
    .post('/config', async (c) => c.json(control.configure(await c.req.json())))
    .post('/checkout/:id/complete', async (c) => {
      const body = completeCheckoutBody.parse(await c.req.json().catch(() => ({})));
      const { cardNumber, ...options } = body;
      return c.json(control.completeCheckout(c.req.param('id'), cardNumber, options));
    })
    .post('/checkout/:id/settle', async (c) => {
      const { succeed } = settleBody.parse(await c.req.json());
      return c.json(control.settleAsync(c.req.param('id'), succeed));
    })
    .get('/events', (c) => c.json(control.events()))
    .get('/deliveries', (c) => c.json(control.deliveries()))
    .get('/payment_intents', (c) => c.json(control.paymentIntents()))
    .post('/events/:id/redeliver', (c) => {
      control.redeliver(c.req.param('id'));
      return c.body(null, 202);
    })
    .post('/flush', async (c) => {
      await control.flush();
      return c.body(null, 204);
    });
  routes.onError((error, c) => {
    if (error instanceof UnknownObjectError) return c.json({ error: error.message }, 404);
    if (error instanceof z.ZodError) return c.json({ error: z.prettifyError(error) }, 400);
    return c.json({ error: error.message }, 400);
  });
  return routes;
}
