import { Hono } from 'hono';
import Stripe from 'stripe';
import { z } from 'zod';
import { fromZodError, invalid, ProblemError } from '../http/problem.ts';
import { handleStripeEvent, type StripeEventDeps } from './service.ts';

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
export function stripeWebhookRoutes(deps: StripeEventDeps & { webhookSecret: string }) {
  const { stripe, webhookSecret } = deps;
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
      await handleStripeEvent(deps, event);
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
