import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { accounts, customers, prices, products, subscriptions } from '../db/schema/index.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import { createRouter, json } from '../http/router.ts';
import { newId } from '../ids.ts';
import { DEFAULT_ACCOUNT } from '../wallet/ledger.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';

export const CustomerCreate = z.object({
  name: z.string().min(1).max(200),
  external_id: z.string().min(1).max(200),
  email: z.email().optional(),
  subscriptions: z
    .array(
      z.object({
        products: z
          .array(z.object({ code: z.string().min(1) }))
          .min(1)
          .max(50),
      }),
    )
    .max(10)
    .default([]),
});

type CustomerRow = typeof customers.$inferSelect;

const CustomerOut = z.object({
  id: z.string(),
  name: z.string(),
  external_id: z.string(),
  email: z.string().nullable(),
  created_at: z.string(),
  subscriptions: z.array(z.object({ products: z.array(z.object({ id: z.string(), code: z.string() })) })),
});

/** The customer, only if it belongs to the platform: another platform's id is as unknown as a made-up one. */
export async function customerOf(db: Database, platformId: string, customerId: string, field?: string): Promise<CustomerRow> {
  const [row] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.platformId, platformId)));
  if (!row) throw notFound('The customer', field);
  return row;
}

async function present(db: Database, customer: CustomerRow): Promise<z.infer<typeof CustomerOut>> {
  const subs = await db
    .select({ id: products.id, code: products.code })
    .from(subscriptions)
    .innerJoin(products, eq(subscriptions.productId, products.id))
    .where(eq(subscriptions.customerId, customer.id));
  return {
    id: customer.id,
    name: customer.name,
    external_id: customer.externalId,
    email: customer.email,
    created_at: customer.createdAt.toISOString(),
    subscriptions: subs.length > 0 ? [{ products: subs }] : [],
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
        const platform = c.get('platform');
        const codes = [...new Set(body.subscriptions.flatMap((s) => s.products.map((p) => p.code)))];
        const found = codes.length
          ? await db
              .select()
              .from(products)
              .where(and(eq(products.platformId, platform.id), inArray(products.code, codes)))
          : [];
        const missing = body.subscriptions.flatMap((s, i) =>
          s.products.flatMap((p, j) =>
            found.some((f) => f.code === p.code)
              ? []
              : [{ path: `subscriptions.${i}.products.${j}.code`, message: `unknown product ${p.code}` }],
          ),
        );
        if (missing.length > 0) throw invalid(missing);
        const productIds = found.map((p) => p.id);
        const assetCodes = productIds.length
          ? (await db.select({ pricing: prices.pricing }).from(prices).where(inArray(prices.productId, productIds))).flatMap((p) =>
              p.pricing.map((e) => e.asset),
            )
          : [];
        const customer = await db.transaction(async (tx) => {
          const inserted = await tx
            .insert(customers)
            .values({
              id: newId('cust'),
              platformId: platform.id,
              name: body.name,
              externalId: body.external_id,
              email: body.email ?? null,
            })
            .onConflictDoNothing()
            .returning();
          const row = inserted[0];
          if (!row) throw conflict(`A customer with external_id ${body.external_id} already exists.`);
          if (productIds.length) await tx.insert(subscriptions).values(productIds.map((productId) => ({ customerId: row.id, productId })));
          const uniqueAssets = [...new Set(assetCodes)].sort();
          if (uniqueAssets.length)
            await tx
              .insert(accounts)
              .values(uniqueAssets.map((assetCode) => ({ customerId: row.id, platformId: platform.id, name: DEFAULT_ACCOUNT, assetCode })));
          return row;
        });
        return c.json(await present(db, customer), 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/customers',
        request: { query: z.object({ external_id: z.string().optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }) },
        responses: { 200: json(z.object({ data: z.array(CustomerOut) }), 'Customers') },
      }),
      async (c) => {
        const { external_id, limit } = c.req.valid('query');
        const rows = await db
          .select()
          .from(customers)
          .where(and(eq(customers.platformId, c.get('platform').id), external_id ? eq(customers.externalId, external_id) : undefined))
          .orderBy(customers.createdAt)
          .limit(limit);
        return c.json({ data: await Promise.all(rows.map((r) => present(db, r))) }, 200);
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
    );
}
