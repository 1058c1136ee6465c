import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Database } from '../db/client.ts';
import { customers, stripeCustomers } from '../db/schema/index.ts';
import { callStripe } from './stripe.ts';

/** The Stripe customer paying for this wallet, created once (the idempotency key makes a race create one). */
export async function stripeCustomerFor(db: Database, stripe: Stripe, customerId: string): Promise<string> {
  const [known] = await db.select().from(stripeCustomers).where(eq(stripeCustomers.customerId, customerId));
  if (known) return known.stripeCustomerId;
  const [customer] = await db.select().from(customers).where(eq(customers.id, customerId));
  if (!customer) throw new Error(`customer ${customerId} not found`);
  const created = await callStripe(() =>
    stripe.customers.create(
      { name: customer.name, ...(customer.email ? { email: customer.email } : {}), metadata: { credyt_customer_id: customer.id } },
      { idempotencyKey: `credyt-customer-${customer.id}` },
    ),
  );
  await db.insert(stripeCustomers).values({ customerId, stripeCustomerId: created.id }).onConflictDoNothing();
  return created.id;
}
