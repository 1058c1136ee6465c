import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { TopUpStatus } from '@credyt/shared';
import { ledgerAmount, literals } from './columns.ts';
import { customers } from './customers.ts';

const customerId = () =>
  text()
    .notNull()
    .references(() => customers.id);

/** The Stripe customer that pays for a wallet's top-ups; created on the first payment. */
export const stripeCustomers = pgTable('stripe_customers', {
  customerId: text()
    .primaryKey()
    .references(() => customers.id),
  stripeCustomerId: text().notNull().unique(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * A payment into a wallet: a Checkout top-up or an off-session auto top-up. Its status moves with Stripe's events;
 * `creditedAt` is set once, in the transaction that appends the credit, which is what makes crediting exactly-once.
 */
export const topUps = pgTable(
  'top_ups',
  {
    id: text().primaryKey(),
    platformId: text().notNull(),
    customerId: customerId(),
    kind: text().$type<'manual' | 'auto'>().notNull(),
    assetCode: text().notNull(),
    /** Units credited to the wallet, in the asset. */
    amount: ledgerAmount().notNull(),
    currency: text().notNull(),
    /** What the customer pays, in `currency`. */
    fiatAmount: ledgerAmount().notNull(),
    status: text().$type<TopUpStatus>().notNull(),
    description: text(),
    idempotencyKey: text(),
    requestHash: text(),
    checkoutSessionId: text().unique(),
    checkoutUrl: text(),
    paymentIntentId: text().unique(),
    receiptUrl: text(),
    successUrl: text(),
    cancelUrl: text(),
    failureCode: text(),
    failureMessage: text(),
    expiresAt: timestamp({ withTimezone: true }),
    creditedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('top_ups_idempotency_idx').on(t.customerId, t.idempotencyKey),
    index().on(t.customerId, t.createdAt.desc()),
    check('top_ups_amounts_positive', sql`${t.amount} > 0 and ${t.fiatAmount} > 0`),
    check('top_ups_kind_known', sql`${t.kind} in ('manual', 'auto')`),
    check('top_ups_status_known', sql`${t.status} in (${literals(TopUpStatus.options)})`),
  ],
);

export interface CardSummary {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
}

export const autoTopUpSettings = pgTable(
  'auto_top_up_settings',
  {
    customerId: customerId(),
    assetCode: text().notNull(),
    platformId: text().notNull(),
    enabled: boolean().notNull().default(false),
    threshold: ledgerAmount().notNull().default('0'),
    amount: ledgerAmount().notNull().default('0'),
    paymentMethodId: text(),
    card: jsonb().$type<CardSummary>(),
    /** Consecutive failed attempts; at 3 auto top-up pauses until the customer acts. */
    failures: integer().notNull().default(0),
    paused: boolean().notNull().default(false),
    lastError: jsonb().$type<{ code: string; message: string; at: string }>(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.assetCode] }),
    check('auto_top_up_settings_amounts', sql`${t.threshold} >= 0 and ${t.amount} >= 0 and ${t.failures} >= 0`),
  ],
);

/**
 * The outbox of auto top-ups: a row is queued in the transaction whose debit crossed the threshold, and worked by
 * any BFF process (`FOR UPDATE SKIP LOCKED`). At most one attempt per wallet account is open at a time.
 */
export const autoTopUpAttempts = pgTable(
  'auto_top_up_attempts',
  {
    id: text().primaryKey(),
    platformId: text().notNull(),
    customerId: customerId(),
    assetCode: text().notNull(),
    status: text().$type<'queued' | 'processing' | 'succeeded' | 'failed'>().notNull(),
    tries: integer().notNull().default(0),
    runAfter: timestamp({ withTimezone: true }).notNull().defaultNow(),
    topUpId: text(),
    error: jsonb().$type<{ code: string; message: string }>(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('auto_top_up_attempts_open_idx')
      .on(t.customerId, t.assetCode)
      .where(sql`${t.status} in ('queued', 'processing')`),
    index('auto_top_up_attempts_queue_idx')
      .on(t.runAfter)
      .where(sql`${t.status} = 'queued'`),
    check('auto_top_up_attempts_status_known', sql`${t.status} in ('queued', 'processing', 'succeeded', 'failed') and ${t.tries} >= 0`),
  ],
);
