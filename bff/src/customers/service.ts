// Customers: who a platform bills, the products each subscribes to, and their wallet accounts at creation.
// Owns `customers` and `subscriptions`; every lookup is scoped by the platform.
import { and, asc, count, eq, inArray, or } from 'drizzle-orm';
import type { FieldError } from '@credyt/shared';
import type { Database } from '../db/client.ts';
import { accounts, customers, prices, products, productVersions, subscriptions } from '../db/schema/index.ts';
import type { Page, PageRequest } from '../http/paging.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import { newId } from '../ids.ts';
import { DEFAULT_ACCOUNT } from '../wallet/ledger.ts';
import { emitWebhook } from '../webhooks/service.ts';

export type CustomerRow = typeof customers.$inferSelect;

export interface CustomerInput {
  name: string;
  external_id: string;
  email?: string | undefined;
  subscriptions: { products: { code: string; version?: number | 'default' | undefined }[] }[];
}

/** The customer, only if it belongs to the platform: another platform's id is as unknown as a made-up one. */
export async function customerOf(db: Database, platformId: string, customerId: string, field?: string): Promise<CustomerRow> {
  const [row] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.platformId, platformId)));
  if (!row) throw notFound('The customer', field);
  return row;
}

/** The products the customer subscribes to. */
/** A subscription as the platform sees it: the products one request subscribed the customer to, each at a version. */
export interface SubscriptionView {
  id: string;
  started_at: Date;
  products: { id: string; code: string; version: number }[];
}

/** The customer's subscriptions, oldest first. */
export async function customerSubscriptions(db: Database, customerId: string): Promise<SubscriptionView[]> {
  const rows = await db
    .select({
      subscriptionId: subscriptions.subscriptionId,
      createdAt: subscriptions.createdAt,
      version: subscriptions.version,
      id: products.id,
      code: products.code,
    })
    .from(subscriptions)
    .innerJoin(products, eq(subscriptions.productId, products.id))
    .where(eq(subscriptions.customerId, customerId))
    .orderBy(asc(subscriptions.createdAt), asc(subscriptions.subscriptionId), asc(products.code));
  const views = new Map<string, SubscriptionView>();
  for (const r of rows) {
    const view = views.get(r.subscriptionId) ?? { id: r.subscriptionId, started_at: r.createdAt, products: [] };
    view.products.push({ id: r.id, code: r.code, version: r.version });
    views.set(r.subscriptionId, view);
  }
  return [...views.values()];
}

/** Creates the customer with its subscriptions and an account for every asset its prices charge in. */
export async function createCustomer(db: Database, platformId: string, body: CustomerInput): Promise<CustomerRow> {
  const codes = [...new Set(body.subscriptions.flatMap((s) => s.products.map((p) => p.code)))];
  const found = codes.length
    ? await db
        .select()
        .from(products)
        .where(and(eq(products.platformId, platformId), inArray(products.code, codes)))
    : [];
  const missing = body.subscriptions.flatMap((s, i) =>
    s.products.flatMap((p, j) =>
      found.some((f) => f.code === p.code) ? [] : [{ path: `subscriptions.${i}.products.${j}.code`, message: `unknown product ${p.code}` }],
    ),
  );
  if (missing.length > 0) throw invalid(missing);
  const published = found.length
    ? await db
        .select({ productId: productVersions.productId, version: productVersions.version })
        .from(productVersions)
        .where(
          and(
            inArray(
              productVersions.productId,
              found.map((f) => f.id),
            ),
            eq(productVersions.status, 'published'),
          ),
        )
    : [];
  // A product listed by two subscriptions belongs to the first; each takes the version named, else the default.
  const subscriptionIds = body.subscriptions.map(() => newId('sub'));
  const subscribed = new Map<string, { subscriptionId: string; version: number }>();
  const badVersions: FieldError[] = [];
  body.subscriptions.forEach((sub, i) =>
    sub.products.forEach((p, j) => {
      const product = found.find((f) => f.code === p.code)!;
      const version = p.version === undefined || p.version === 'default' ? product.defaultVersion : p.version;
      if (p.version !== undefined && p.version !== 'default' && !published.some((v) => v.productId === product.id && v.version === version))
        badVersions.push({ path: `subscriptions.${i}.products.${j}.version`, message: `${p.code} has no published version ${version}` });
      if (!subscribed.has(product.id)) subscribed.set(product.id, { subscriptionId: subscriptionIds[i]!, version });
    }),
  );
  if (badVersions.length > 0) throw invalid(badVersions);
  const productIds = [...subscribed.keys()];
  const assetCodes = productIds.length
    ? (
        await db
          .select({ pricing: prices.pricing })
          .from(prices)
          .where(or(...[...subscribed].map(([productId, s]) => and(eq(prices.productId, productId), eq(prices.version, s.version)))))
      ).flatMap((p) => p.pricing.map((e) => e.asset))
    : [];
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(customers)
      .values({
        id: newId('cust'),
        platformId,
        name: body.name,
        externalId: body.external_id,
        email: body.email ?? null,
      })
      .onConflictDoNothing()
      .returning();
    const row = inserted[0];
    if (!row) throw conflict(`A customer with external_id ${body.external_id} already exists.`);
    if (productIds.length)
      await tx.insert(subscriptions).values([...subscribed].map(([productId, s]) => ({ customerId: row.id, productId, ...s })));
    // Usage-based subscriptions have nothing to pay upfront: each is active as it is written.
    for (const subscriptionId of new Set([...subscribed.values()].map((s) => s.subscriptionId)))
      await emitWebhook(tx, platformId, 'subscription.activated', {
        customer_id: row.id,
        subscription_id: subscriptionId,
        occurred_at: row.createdAt.toISOString(),
      });
    const uniqueAssets = [...new Set(assetCodes)].sort();
    if (uniqueAssets.length)
      await tx
        .insert(accounts)
        .values(uniqueAssets.map((assetCode) => ({ customerId: row.id, platformId, name: DEFAULT_ACCOUNT, assetCode })));
    return row;
  });
}

export async function listCustomers(
  db: Database,
  platformId: string,
  query: PageRequest & { external_id?: string | undefined },
): Promise<Page<CustomerRow>> {
  const where = and(eq(customers.platformId, platformId), query.external_id ? eq(customers.externalId, query.external_id) : undefined);
  const [rows, [total]] = await Promise.all([
    db.select().from(customers).where(where).orderBy(asc(customers.createdAt), asc(customers.id)).limit(query.limit).offset(query.offset),
    db.select({ n: count() }).from(customers).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}
