import { and, eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Database } from '../db/client.ts';
import { customers, stripeCustomers } from '../db/schema/index.ts';
import { callStripe, isMissingStripeCustomer } from './client.ts';

/**
 * The Stripe customer paying for this wallet, created once (the idempotency key makes a race create one). `stale`
 * names a Stripe customer that Stripe no longer knows: it is replaced by a new one.
 */
export async function stripeCustomerFor(db: Database, stripe: Stripe, customerId: string, stale?: string): Promise<string> {
  const [known] = await db.select().from(stripeCustomers).where(eq(stripeCustomers.customerId, customerId));
  if (known && known.stripeCustomerId !== stale) return known.stripeCustomerId;
  const [customer] = await db.select().from(customers).where(eq(customers.id, customerId));
  if (!customer) throw new Error(`customer ${customerId} not found`);
  const created = await callStripe(() =>
    stripe.customers.create(
      { name: customer.name, ...(customer.email ? { email: customer.email } : {}), metadata: { credyt_customer_id: customer.id } },
      // A replacement needs a key of its own: Stripe would replay the lost customer for the first one.
      { idempotencyKey: stale ? `credyt-customer-${customer.id}-replacing-${stale}` : `credyt-customer-${customer.id}` },
    ),
  );
  if (stale) {
    // Only the mapping to the lost customer is replaced; a concurrent replacement that won keeps its own.
    await db
      .update(stripeCustomers)
      .set({ stripeCustomerId: created.id })
      .where(and(eq(stripeCustomers.customerId, customerId), eq(stripeCustomers.stripeCustomerId, stale)));
    const [now] = await db.select().from(stripeCustomers).where(eq(stripeCustomers.customerId, customerId));
    return now?.stripeCustomerId ?? created.id;
  }
  await db.insert(stripeCustomers).values({ customerId, stripeCustomerId: created.id }).onConflictDoNothing();
  const [winner] = await db.select().from(stripeCustomers).where(eq(stripeCustomers.customerId, customerId));
  return winner?.stripeCustomerId ?? created.id;
}

/**
 * Runs a Stripe call for this wallet's Stripe customer; when Stripe no longer knows that customer, a new one is
 * created and the call runs once more with it.
 */
export async function withStripeCustomer<T>(
  db: Database,
  stripe: Stripe,
  customerId: string,
  run: (stripeCustomer: string, replaced: boolean) => Promise<T>,
): Promise<T> {
  const first = await stripeCustomerFor(db, stripe, customerId);
  try {
    return await run(first, false);
  } catch (err) {
    if (!isMissingStripeCustomer(err)) throw err;
    return run(await stripeCustomerFor(db, stripe, customerId, first), true);
  }
}
