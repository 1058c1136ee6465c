import { createRoute, z } from '@hono/zod-openapi';
import type Stripe from 'stripe';
import { DecimalInput, fitsPrecision, money, topUpDescription } from '@credyt/shared';
import { AssetRegistry, fiatInfo } from '../catalog/registry.ts';
import type { Database } from '../db/client.ts';
import { invalid } from '../http/problem.ts';
import { WireAmount } from '../http/amounts-as-numbers.ts';
import { createRouter, json } from '../http/router.ts';
import { hashRequest } from '../ids.ts';
import { checkLimits, createCheckoutTopUp, presentTopUp, topUpOf, unitsForFiat } from './service.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';
import { customerOf } from '../customers/service.ts';

const WebUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const TopUpCreate = z.object({
  customer_id: z.string().min(1),
  amount: DecimalInput.refine((v) => money(v).greaterThan(0), 'must be greater than 0'),
  currency: z.string().min(3).max(3),
  destination: z.object({ asset: z.string().min(1) }).optional(),
  description: z.string().trim().min(1, 'must not be empty (leave it out for the default)').max(200).optional(),
  return_url: WebUrl,
  failure_url: WebUrl,
  /** Not in Credyt's API: a caller-chosen idempotency key; the `Idempotency-Key` header works too. */
  idempotency_key: z.string().min(1).max(200).optional(),
});

const TopUpOut = z.object({
  id: z.string(),
  status: z.string(),
  customer_id: z.string(),
  asset: z.string(),
  amount: WireAmount,
  currency: z.string(),
  fiat_amount: WireAmount,
  redirect_url: z.string(),
  expires_at: z.string().nullable(),
  receipt_url: z.string().nullable(),
  created_at: z.string(),
});

export function topUpRoutes(db: Database, stripe: Stripe) {
  return createRouter<PlatformEnv>()
    .openapi(
      createRoute({
        method: 'post',
        path: '/top-ups',
        request: { body: { content: { 'application/json': { schema: TopUpCreate } }, required: true } },
        responses: { 201: json(TopUpOut, 'The top-up and the Stripe Checkout page to send the customer to') },
      }),
      async (c) => {
        const platform = c.get('platform');
        const body = c.req.valid('json');
        const customer = await customerOf(db, platform.id, body.customer_id, 'customer_id');
        const currency = fiatInfo(body.currency);
        if (!currency) throw invalid([{ path: 'currency', message: 'must be an ISO 4217 currency code such as USD' }]);
        if (!fitsPrecision(body.amount, currency.precision)) {
          throw invalid([{ path: 'amount', message: `${currency.code} allows at most ${currency.precision} decimal places` }]);
        }
        const asset = await AssetRegistry.one(db, platform.id, body.destination?.asset ?? currency.code);
        if (!asset) throw invalid([{ path: 'destination.asset', message: `unknown asset ${body.destination?.asset}` }]);
        const price = unitsForFiat(asset, body.amount, currency.code);
        if (money(price.units).isZero()) throw invalid([{ path: 'amount', message: `buys less than one ${asset.code}` }]);
        checkLimits(platform, price, 'amount');
        const key = body.idempotency_key ?? c.req.header('idempotency-key');
        if (key !== undefined && (key.length === 0 || key.length > 200)) {
          throw invalid([
            { path: body.idempotency_key === undefined ? 'Idempotency-Key' : 'idempotency_key', message: 'must have 1 to 200 characters' },
          ]);
        }
        const topUp = await createCheckoutTopUp(db, stripe, {
          platform,
          customerId: customer.id,
          asset,
          price,
          description: body.description ?? topUpDescription(asset.name),
          idempotencyKey: key ?? crypto.randomUUID(),
          requestHash: hashRequest(body),
          successUrl: body.return_url,
          cancelUrl: body.failure_url,
        });
        return c.json(presentTopUp(topUp), 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/top-ups/{id}',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(TopUpOut, 'The top-up') },
      }),
      async (c) => {
        const row = await topUpOf(db, { platformId: c.get('platform').id }, c.req.valid('param').id);
        return c.json(presentTopUp(row), 200);
      },
    );
}
