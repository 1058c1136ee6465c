import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { z } from 'zod';
import type { Database } from '../db/client.ts';
import { topUps } from '../db/schema/index.ts';
import { fromZodError, invalid, ProblemError } from '../http/problem.ts';
import type { Logger } from '../log.ts';
import { saveCard } from '../auto-top-up/service.ts';
import { callStripe } from './client.ts';
import { settleTopUp } from '../top-ups/service.ts';
import type { Ledger } from '../wallet/ledger.ts';

/**
 * What the handler reads of every event, checked before it reads it: a signed body is trusted to be Stripe's, not
 * to be well formed (a test event, an API version with another shape, a bug in a forwarder).
 */
const EventShape = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  data: z.object({
    object: z
      .object({
        id: z.string().min(1).max(255),
        metadata: z.record(z.string(), z.string().max(500)).nullish(),
      })
      .loose(),
  }),
});

/** Stripe's own tolerance: a signature older than five minutes is refused (replay protection). */
const TOLERANCE_SECONDS = 300;

/**
 * `POST /webhooks/stripe`: verifies the `Stripe-Signature`, then moves top-ups along. Crediting is idempotent
 * (see settleTopUp), so Stripe's retries, duplicates and any order of delivery credit exactly once.
 */
export function stripeWebhookRoutes(deps: { db: Database; ledger: Ledger; stripe: Stripe; webhookSecret: string; logger: Logger }) {
  const { db, ledger, stripe, webhookSecret, logger } = deps;

  async function topUpOf(metadata: Stripe.Metadata | null | undefined) {
    const id = metadata?.top_up_id;
    if (!id) return null;
    const [row] = await db.select().from(topUps).where(eq(topUps.id, id));
    return row ?? null;
  }

  async function paid(sessionId: string) {
    const session = await callStripe(() => stripe.checkout.sessions.retrieve(sessionId, { expand: ['payment_intent.latest_charge'] }));
    const topUp = await topUpOf(session.metadata);
    if (!topUp) return;
    const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
    const charge = intent && typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
    await settleTopUp(db, ledger, topUp.id, {
      status: 'succeeded',
      paymentIntentId: intent?.id ?? null,
      receiptUrl: charge?.receipt_url ?? null,
    });
    const paymentMethod = typeof intent?.payment_method === 'string' ? intent.payment_method : intent?.payment_method?.id;
    if (session.metadata?.save_card === 'true' && paymentMethod) {
      await saveCard(db, stripe, topUp.customerId, topUp.platformId, topUp.assetCode, paymentMethod);
    }
  }

  async function handle(event: Stripe.Event) {
    switch (event.type) {
      case 'checkout.session.completed': {
        const session = event.data.object;
        if (session.mode === 'setup') {
          const setupIntentId = typeof session.setup_intent === 'string' ? session.setup_intent : session.setup_intent?.id;
          const { credyt_customer_id: customerId, platform_id: platformId, asset } = session.metadata ?? {};
          if (!setupIntentId || !customerId || !platformId || !asset) return;
          const setupIntent = await callStripe(() => stripe.setupIntents.retrieve(setupIntentId));
          const pm = typeof setupIntent.payment_method === 'string' ? setupIntent.payment_method : setupIntent.payment_method?.id;
          if (pm) await saveCard(db, stripe, customerId, platformId, asset, pm);
          return;
        }
        if (session.payment_status === 'paid') return paid(session.id);
        const topUp = await topUpOf(session.metadata);
        if (topUp) await settleTopUp(db, ledger, topUp.id, { status: 'pending' });
        return;
      }
      case 'checkout.session.async_payment_succeeded':
        return paid(event.data.object.id);
      case 'checkout.session.async_payment_failed': {
        const topUp = await topUpOf(event.data.object.metadata);
        if (topUp)
          await settleTopUp(db, ledger, topUp.id, {
            status: 'failed',
            failure: { code: 'payment_failed', message: 'The payment did not go through.' },
          });
        return;
      }
      case 'checkout.session.expired': {
        const topUp = await topUpOf(event.data.object.metadata);
        if (topUp) await settleTopUp(db, ledger, topUp.id, { status: 'expired' });
        return;
      }
      case 'payment_intent.succeeded': {
        const intent = event.data.object;
        const topUp = await topUpOf(intent.metadata);
        if (!topUp) return;
        const full = await callStripe(() => stripe.paymentIntents.retrieve(intent.id, { expand: ['latest_charge'] }));
        const charge = typeof full.latest_charge === 'object' ? full.latest_charge : null;
        await settleTopUp(db, ledger, topUp.id, {
          status: 'succeeded',
          paymentIntentId: intent.id,
          receiptUrl: charge?.receipt_url ?? null,
        });
        return;
      }
      case 'payment_intent.payment_failed': {
        const intent = event.data.object;
        const topUp = await topUpOf(intent.metadata);
        // A Checkout top-up may fail once and then succeed with another card: only off-session payments fail here.
        if (!topUp || topUp.kind !== 'auto') return;
        const error = intent.last_payment_error;
        await settleTopUp(db, ledger, topUp.id, {
          status: 'failed',
          paymentIntentId: intent.id,
          failure: { code: error?.decline_code ?? error?.code ?? 'payment_failed', message: error?.message ?? 'The payment failed.' },
        });
        return;
      }
      default:
        logger.debug('stripe event ignored', { type: event.type });
    }
  }

  return new Hono().post('/webhooks/stripe', async (c) => {
    const signature = c.req.header('stripe-signature');
    if (!signature) throw new ProblemError(400, 'The Stripe-Signature header is missing.');
    const payload = await c.req.text();
    let event: Stripe.Event;
    try {
      event = await stripe.webhooks.constructEventAsync(payload, signature, webhookSecret, TOLERANCE_SECONDS);
    } catch (err) {
      throw new ProblemError(400, `The webhook signature could not be verified: ${err instanceof Error ? err.message : 'invalid'}.`);
    }
    // The SDK checks only how old a signature is; one dated in the future is as much a replay risk.
    const signedAt = Number(/(?:^|,)\s*t=(\d+)/.exec(signature)?.[1]);
    if (!(signedAt * 1000 <= Date.now() + TOLERANCE_SECONDS * 1000)) {
      throw new ProblemError(400, 'The webhook signature is dated in the future beyond the tolerance.');
    }
    const shape = EventShape.safeParse(event);
    if (!shape.success) throw invalid(fromZodError(shape.error), 'The webhook event does not have the shape Stripe sends.');
    try {
      await handle(event);
    } catch (err) {
      // A signed event naming an object Stripe does not have (another account's, a hand-made test event).
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing') {
        throw new ProblemError(422, `The event names a Stripe object that Stripe does not know: ${err.message}`, [
          { path: 'data.object', message: 'names an unknown Stripe object' },
        ]);
      }
      throw err;
    }
    return c.json({ received: true });
  });
}
