// Customers: who a platform bills, the products each subscribes to (pending until a recurring fee is first paid, then
// active), and their wallet accounts at creation. Owns `customers` and `subscriptions`; every platform lookup is scoped
// by the platform, a payment link by its signature.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, asc, count, eq, inArray, or } from 'drizzle-orm';
import type Stripe from 'stripe';
import { toDecimalString, type FieldError } from '@credyt/shared';
import { fiatInfo } from '../catalog/registry.ts';
import type { Database, Executor } from '../db/client.ts';
import {
  accounts,
  customers,
  platforms,
  prices,
  products,
  productVersions,
  subscriptions,
  type SubscriptionStatus,
} from '../db/schema/index.ts';
import { withQuery } from '../http/url.ts';
import type { PricingEntry } from '../pricing/types.ts';
import { withStripeCustomer } from '../stripe/customers.ts';
import { callStripe, toMinorUnits } from '../stripe/client.ts';
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
  subscriptions: {
    products: { code: string; version?: number | 'default' | undefined }[];
    /** Where the customer goes after paying a recurring fee, and if paying fails (default: `return_url`). */
    return_url?: string | undefined;
    failure_url?: string | undefined;
  }[];
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
  status: SubscriptionStatus;
  /** None while pending. */
  started_at: Date | null;
  products: { id: string; code: string; version: number }[];
}

/** The customer's subscriptions, oldest first. */
export async function customerSubscriptions(db: Database, customerId: string): Promise<SubscriptionView[]> {
  const rows = await db
    .select({
      subscriptionId: subscriptions.subscriptionId,
      createdAt: subscriptions.createdAt,
      status: subscriptions.status,
      startedAt: subscriptions.startedAt,
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
    const view = views.get(r.subscriptionId) ?? { id: r.subscriptionId, status: r.status, started_at: r.startedAt, products: [] };
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
  const subscribedPrices = productIds.length
    ? await db
        .select({ productId: prices.productId, type: prices.type, pricing: prices.pricing })
        .from(prices)
        .where(or(...[...subscribed].map(([productId, s]) => and(eq(prices.productId, productId), eq(prices.version, s.version)))))
    : [];
  const assetCodes = subscribedPrices.flatMap((p) => p.pricing.map((e) => e.asset));
  // A subscription with a recurring fee waits for its first payment; the customer is sent back to its return_url.
  const pending = new Set(subscribedPrices.filter((p) => p.type === 'fixed').map((p) => subscribed.get(p.productId)!.subscriptionId));
  const missingUrls: FieldError[] = body.subscriptions.flatMap((sub, i) =>
    pending.has(subscriptionIds[i]!) && !sub.return_url
      ? [
          {
            path: `subscriptions.${i}.return_url`,
            message: 'is required for a product with a recurring fee: the customer returns there after paying',
          },
        ]
      : [],
  );
  if (missingUrls.length > 0) throw invalid(missingUrls);
  const startedAt = new Date();
  const subscriptionState = (subscriptionId: string) => {
    const i = subscriptionIds.indexOf(subscriptionId);
    const sub = body.subscriptions[i]!;
    const waiting = pending.has(subscriptionId);
    return {
      status: waiting ? ('pending' as const) : ('active' as const),
      startedAt: waiting ? null : startedAt,
      returnUrl: sub.return_url ?? null,
      failureUrl: sub.failure_url ?? sub.return_url ?? null,
    };
  };
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
      await tx
        .insert(subscriptions)
        .values([...subscribed].map(([productId, s]) => ({ customerId: row.id, productId, ...s, ...subscriptionState(s.subscriptionId) })));
    // A usage-based subscription has nothing to pay upfront: it is active as it is written; one with a recurring fee
    // becomes active when its first fee is paid (activateSubscription).
    for (const subscriptionId of new Set([...subscribed.values()].map((s) => s.subscriptionId)))
      if (!pending.has(subscriptionId)) await announceActivation(tx, platformId, row.id, subscriptionId, startedAt);
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

/**
 * The key that signs subscription payment links: derived from a server secret for this one purpose, so a link
 * cannot be made for another subscription, and every process signs alike.
 */
export function paymentLinkKey(serverSecret: string): Buffer {
  return createHmac('sha256', serverSecret).update('credyt subscription payment link').digest();
}

/** The signature of a subscription's payment link (`?sig=`). */
export function paymentLinkSignature(key: Buffer, subscriptionId: string): string {
  return createHmac('sha256', key).update(subscriptionId).digest('base64url');
}

export function validPaymentLinkSignature(key: Buffer, subscriptionId: string, signature: string): boolean {
  const expected = Buffer.from(paymentLinkSignature(key, subscriptionId));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A subscription as its payment sees it: the recurring fees of its products, in the platform's currency. */
export interface SubscriptionPayment {
  id: string;
  platformId: string;
  customerId: string;
  status: SubscriptionStatus;
  currency: string;
  returnUrl: string | null;
  failureUrl: string | null;
  fees: { product: string; price: string; interval: string; amount: string }[];
}

/** A fixed price's one amount. */
function fixedAmount(pricing: PricingEntry[] | null): string {
  const value = pricing?.[0]?.values[0];
  return value && !('dimensions' in value) && value.unit_price !== undefined ? toDecimalString(value.unit_price) : '0';
}

/** The subscription with this id and the fixed fees of its products, or null. */
export async function subscriptionPayment(db: Database, subscriptionId: string): Promise<SubscriptionPayment | null> {
  const rows = await db
    .select({
      customerId: subscriptions.customerId,
      platformId: customers.platformId,
      currency: platforms.currency,
      status: subscriptions.status,
      returnUrl: subscriptions.returnUrl,
      failureUrl: subscriptions.failureUrl,
      product: products.name,
      price: prices.name,
      type: prices.type,
      interval: prices.recurringInterval,
      pricing: prices.pricing,
    })
    .from(subscriptions)
    .innerJoin(customers, eq(customers.id, subscriptions.customerId))
    .innerJoin(platforms, eq(platforms.id, customers.platformId))
    .innerJoin(products, eq(products.id, subscriptions.productId))
    .leftJoin(prices, and(eq(prices.productId, subscriptions.productId), eq(prices.version, subscriptions.version)))
    .where(eq(subscriptions.subscriptionId, subscriptionId))
    .orderBy(asc(products.code), asc(prices.position));
  const first = rows[0];
  if (!first) return null;
  return {
    id: subscriptionId,
    platformId: first.platformId,
    customerId: first.customerId,
    status: first.status,
    currency: first.currency,
    returnUrl: first.returnUrl,
    failureUrl: first.failureUrl,
    fees: rows.flatMap((r) =>
      r.type === 'fixed' && r.price !== null
        ? [{ product: r.product, price: r.price, interval: r.interval ?? 'month', amount: fixedAmount(r.pricing) }]
        : [],
    ),
  };
}

/**
 * A Stripe Checkout page that collects a pending subscription's first recurring fees (each a line, in the platform's
 * currency); paid, it activates the subscription (`activateSubscription`, from the Stripe webhook). Each visit of
 * the payment link makes a fresh page: an expired one is never a dead end.
 */
export async function subscriptionCheckout(db: Database, stripe: Stripe, payment: SubscriptionPayment): Promise<string> {
  const currency = fiatInfo(payment.currency);
  if (!currency) throw new Error(`unknown currency ${payment.currency}`);
  const back = payment.returnUrl ?? payment.failureUrl;
  if (!back) throw new Error(`subscription ${payment.id} has no return_url`);
  const session = await withStripeCustomer(db, stripe, payment.customerId, (stripeCustomer) =>
    callStripe(() =>
      stripe.checkout.sessions.create({
        mode: 'payment',
        customer: stripeCustomer,
        client_reference_id: payment.id,
        line_items: payment.fees.map((fee) => ({
          quantity: 1,
          price_data: {
            currency: payment.currency.toLowerCase(),
            unit_amount: toMinorUnits(fee.amount, currency.precision),
            product_data: { name: `${fee.product} · ${fee.price}` },
          },
        })),
        payment_intent_data: { metadata: { credyt_subscription_id: payment.id, credyt_customer_id: payment.customerId } },
        metadata: { credyt_subscription_id: payment.id, credyt_customer_id: payment.customerId },
        success_url: withQuery(back, { credyt_subscription: 'paid', subscription_id: payment.id }),
        cancel_url: withQuery(payment.failureUrl ?? back, { credyt_subscription: 'cancelled', subscription_id: payment.id }),
      }),
    ),
  );
  if (!session.url) throw new Error(`Stripe gave checkout session ${session.id} no url`);
  return session.url;
}

/**
 * Marks a pending subscription active from `at`, once (a repeated webhook changes nothing), and tells the platform
 * (`subscription.activated`) in the same transaction; true if this call did.
 */
export async function activateSubscription(db: Database, subscriptionId: string, at: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(subscriptions)
      .set({ status: 'active', startedAt: at })
      .where(and(eq(subscriptions.subscriptionId, subscriptionId), eq(subscriptions.status, 'pending')))
      .returning({ customerId: subscriptions.customerId });
    const customerId = updated[0]?.customerId;
    if (!customerId) return false;
    const [customer] = await tx.select({ platformId: customers.platformId }).from(customers).where(eq(customers.id, customerId));
    await announceActivation(tx, customer!.platformId, customerId, subscriptionId, at);
    return true;
  });
}

/** Credyt's `subscription.activated` (https://docs.dev.credyt.ai/features/webhooks). */
function announceActivation(tx: Executor, platformId: string, customerId: string, subscriptionId: string, at: Date) {
  return emitWebhook(tx, platformId, 'subscription.activated', {
    customer_id: customerId,
    subscription_id: subscriptionId,
    occurred_at: at.toISOString(),
  });
}
