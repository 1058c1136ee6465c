import { createRoute, z } from '@hono/zod-openapi';
import type { Database } from '../db/client.ts';
import { ListOf, PageQuery } from '../http/paging.ts';
import { WireAmount } from '../http/amounts-as-numbers.ts';
import { createRouter, json } from '../http/router.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';
import { customerStats } from '../usage/service.ts';
import {
  createCustomer,
  customerOf,
  customerSubscriptions,
  listCustomers,
  paymentLinkSignature,
  type CustomerRow,
  type SubscriptionView,
} from './service.ts';

const WebUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000);

const CustomerCreate = z.object({
  name: z.string().min(1).max(200),
  external_id: z.string().min(1).max(200),
  email: z.email().optional(),
  subscriptions: z
    .array(
      z.object({
        products: z
          .array(
            z.object({
              code: z.string().min(1),
              /** Omitted or `default`: the product's default version (https://docs.credyt.ai/features/customers). */
              version: z.union([z.literal('default'), z.number().int().min(1)]).optional(),
            }),
          )
          .min(1)
          .max(50),
        /**
         * Where the customer returns after paying a recurring fee, and goes if paying fails (default: `return_url`);
         * required for a product with one (https://docs.dev.credyt.ai/features/product-catalog/fixed-fee-pricing).
         */
        return_url: WebUrl.optional(),
        failure_url: WebUrl.optional(),
      }),
    )
    .max(10)
    .default([]),
});

const CustomerOut = z.object({
  id: z.string(),
  name: z.string(),
  external_id: z.string(),
  email: z.string().nullable(),
  created_at: z.string(),
  /** Credyt links a customer to accounts in other systems here; none are linked through this API yet. */
  external_accounts: z.array(z.object({ provider: z.string(), id: z.string() })),
  subscriptions: z.array(
    z.object({
      id: z.string(),
      /** `pending` until the first recurring fee is paid; a pending subscription bills no usage. */
      status: z.enum(['active', 'pending']),
      started_at: z.string().nullable(),
      products: z.array(z.object({ id: z.string(), code: z.string(), version: z.number().int() })),
      /** What the customer must do first: pay the recurring fee at `redirect_url` (a fresh Checkout page each visit). */
      required_actions: z.array(z.object({ type: z.literal('payment'), redirect_url: z.string() })),
    }),
  ),
});

const StatsOut = z.object({
  id: z.string(),
  events: z.object({ total: z.number().int(), billed: z.number().int(), first_at: z.string().nullable(), last_at: z.string().nullable() }),
  usage: z.array(z.object({ asset: z.string(), amount: WireAmount })),
});

/** Where a pending subscription's payment links point, and the key that signs them. */
export interface PaymentLinks {
  publicUrl: string;
  key: Buffer;
}

function presentSubscription(s: SubscriptionView, links: PaymentLinks) {
  const pay = `${links.publicUrl}/subscriptions/${encodeURIComponent(s.id)}/pay?sig=${paymentLinkSignature(links.key, s.id)}`;
  return {
    id: s.id,
    status: s.status,
    started_at: s.started_at?.toISOString() ?? null,
    products: s.products,
    required_actions: s.status === 'pending' ? [{ type: 'payment' as const, redirect_url: pay }] : [],
  };
}

async function present(db: Database, links: PaymentLinks, customer: CustomerRow): Promise<z.infer<typeof CustomerOut>> {
  const subs = await customerSubscriptions(db, customer.id);
  return {
    id: customer.id,
    name: customer.name,
    external_id: customer.externalId,
    email: customer.email,
    created_at: customer.createdAt.toISOString(),
    external_accounts: [],
    // Usage-based subscriptions start when created; one with a recurring fee once that is paid.
    subscriptions: subs.map((s) => presentSubscription(s, links)),
  };
}

export function customerRoutes(db: Database, links: PaymentLinks) {
  return createRouter<PlatformEnv>()
    .openapi(
      createRoute({
        method: 'post',
        path: '/customers',
        request: { body: { content: { 'application/json': { schema: CustomerCreate } }, required: true } },
        responses: { 201: json(CustomerOut, 'The customer') },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const customer = await createCustomer(db, c.get('platform').id, body);
        return c.json(await present(db, links, customer), 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/customers',
        request: { query: PageQuery.extend({ external_id: z.string().optional() }) },
        responses: { 200: json(ListOf(CustomerOut), 'Customers, oldest first; `external_id` narrows to one') },
      }),
      async (c) => {
        const query = c.req.valid('query');
        const page = await listCustomers(db, c.get('platform').id, query);
        const items = await Promise.all(page.rows.map((r) => present(db, links, r)));
        return c.json({ items, total_count: page.total, limit: query.limit, offset: query.offset }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/customers/{id}',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(CustomerOut, 'The customer') },
      }),
      async (c) => c.json(await present(db, links, await customerOf(db, c.get('platform').id, c.req.valid('param').id)), 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/customers/{id}/stats',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(StatsOut, "The customer's events and what they were charged, per asset") },
      }),
      async (c) => {
        const stats = await customerStats(db, c.get('platform').id, c.req.valid('param').id);
        const at = (d: Date | null) => d?.toISOString() ?? null;
        return c.json(
          { ...stats, events: { ...stats.events, first_at: at(stats.events.first_at), last_at: at(stats.events.last_at) } },
          200,
        );
      },
    );
}
