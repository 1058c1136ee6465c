import { createRoute, z } from '@hono/zod-openapi';
import type { Database } from '../db/client.ts';
import { ListOf, PageQuery } from '../http/paging.ts';
import { WireAmount } from '../http/amounts-as-numbers.ts';
import { createRouter, json } from '../http/router.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';
import { customerStats } from '../usage/service.ts';
import { createCustomer, customerOf, customerSubscriptions, listCustomers, type CustomerRow } from './service.ts';

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
      status: z.literal('active'),
      started_at: z.string(),
      products: z.array(z.object({ id: z.string(), code: z.string(), version: z.number().int() })),
    }),
  ),
});

const StatsOut = z.object({
  id: z.string(),
  events: z.object({ total: z.number().int(), billed: z.number().int(), first_at: z.string().nullable(), last_at: z.string().nullable() }),
  usage: z.array(z.object({ asset: z.string(), amount: WireAmount })),
});

async function present(db: Database, customer: CustomerRow): Promise<z.infer<typeof CustomerOut>> {
  const subs = await customerSubscriptions(db, customer.id);
  return {
    id: customer.id,
    name: customer.name,
    external_id: customer.externalId,
    email: customer.email,
    created_at: customer.createdAt.toISOString(),
    external_accounts: [],
    // Usage-based subscriptions here start when created and have nothing to pay upfront: they are active at once.
    subscriptions: subs.map((s) => ({ id: s.id, status: 'active' as const, started_at: s.started_at.toISOString(), products: s.products })),
  };
}

export function customerRoutes(db: Database) {
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
        return c.json(await present(db, customer), 201);
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
        const items = await Promise.all(page.rows.map((r) => present(db, r)));
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
      async (c) => c.json(await present(db, await customerOf(db, c.get('platform').id, c.req.valid('param').id)), 200),
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
