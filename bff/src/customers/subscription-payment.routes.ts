import { createRoute, z } from '@hono/zod-openapi';
import type Stripe from 'stripe';
import type { Database } from '../db/client.ts';
import { notFound } from '../http/problem.ts';
import { createRouter } from '../http/router.ts';
import { withQuery } from '../http/url.ts';
import { subscriptionCheckout, subscriptionPayment, validPaymentLinkSignature } from './service.ts';

/**
 * `GET /subscriptions/{id}/pay?sig=`: a pending subscription's `required_actions[].redirect_url`, where the customer
 * pays its first recurring fee. Each visit opens a fresh Stripe Checkout page (303); a subscription already active
 * sends the customer to its return URL. A made-up id or a wrong signature answers 404 alike.
 */
export function subscriptionPaymentRoutes(deps: { db: Database; stripe: Stripe; key: Buffer }) {
  return createRouter().openapi(
    createRoute({
      method: 'get',
      path: '/subscriptions/{id}/pay',
      request: { params: z.object({ id: z.string().max(200) }), query: z.object({ sig: z.string().max(200).optional() }) },
      responses: { 303: { description: "To Stripe Checkout for the subscription's first fee, or back once it is paid" } },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { sig } = c.req.valid('query');
      const payment = sig !== undefined && validPaymentLinkSignature(deps.key, id, sig) ? await subscriptionPayment(deps.db, id) : null;
      if (!payment) throw notFound('The subscription');
      const back = payment.returnUrl ?? payment.failureUrl;
      if (payment.status === 'active' || payment.fees.length === 0 || !back) {
        if (!back) throw notFound('The subscription');
        return c.redirect(withQuery(back, { credyt_subscription: 'paid', subscription_id: id }), 303);
      }
      return c.redirect(await subscriptionCheckout(deps.db, deps.stripe, payment), 303);
    },
  );
}
