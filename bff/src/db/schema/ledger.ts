import { sql } from 'drizzle-orm';
import { bigint, customType, date, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { LEDGER_INTEGER_DIGITS, LEDGER_SCALE, toDecimalString, type Category } from '@credyt/shared';
import type { FeeRecord } from '../../pricing/types.ts';

/**
 * An amount as the ledger stores it: `numeric(38, 18)`, LEDGER_SCALE (18) decimal places and at most
 * LEDGER_INTEGER_DIGITS (20) integer digits. Every sum of such values is exact, so balance = Σ entries holds by
 * construction; a value beyond the range is refused (SQLSTATE 22003) rather than stored. PostgreSQL pads the text to
 * 18 places; it is read back in canonical form ("1.5", not "1.500000000000000000").
 */
export const ledgerAmount = customType<{ data: string; driverData: string }>({
  dataType: () => `numeric(${LEDGER_INTEGER_DIGITS + LEDGER_SCALE}, ${LEDGER_SCALE})`,
  fromDriver: (value) => toDecimalString(String(value)),
  toDriver: (value) => value,
});

/**
 * Spend rollups: the same scale with 10 more integer digits, since a day's spend sums many in-range debits (and
 * a balance may be topped up again and again) and must never refuse a debit the ledger itself accepts.
 */
export const rollupAmount = customType<{ data: string; driverData: string }>({
  dataType: () => `numeric(${LEDGER_INTEGER_DIGITS + 10 + LEDGER_SCALE}, ${LEDGER_SCALE})`,
  fromDriver: (value) => toDecimalString(String(value)),
  toDriver: (value) => value,
});

/** The ledger: append-only. A correction is a new entry; nothing here is ever updated or deleted. */
export const entries = pgTable(
  'entries',
  {
    seq: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    id: text().notNull().unique(),
    platformId: text().notNull(),
    customerId: text().notNull(),
    accountName: text().notNull(),
    assetCode: text().notNull(),
    category: text().$type<Category>().notNull(),
    description: text().notNull(),
    amount: ledgerAmount().notNull(),
    balanceAfter: ledgerAmount().notNull(),
    /** The amount's value in the platform currency at the rate of the moment it was recorded. */
    fiatAmount: ledgerAmount(),
    fiatCurrency: text(),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** What wrote it: `event:<id>`, `adjustment:<transaction_id>`, `payment:<id>`. */
    source: text().notNull(),
    eventId: text(),
    productCode: text(),
    productName: text(),
    priceName: text(),
    feeDescription: text(),
    subject: text(),
    eventDescription: text(),
    receiptUrl: text(),
    metadata: jsonb().$type<Record<string, unknown>>(),
  },
  (t) => [
    index('entries_customer_created_idx').on(t.customerId, t.createdAt.desc(), t.seq.desc()),
    index('entries_customer_category_occurred_idx').on(t.customerId, t.category, t.occurredAt.desc(), t.seq.desc()),
    index('entries_customer_asset_created_idx').on(t.customerId, t.assetCode, t.createdAt.desc(), t.seq.desc()),
    index('entries_customer_usage_idx')
      .on(t.customerId, t.occurredAt.desc(), t.seq.desc())
      .where(sql`${t.category} = 'usage'`),
  ],
);

export const events = pgTable(
  'events',
  {
    platformId: text().notNull(),
    id: text().notNull(),
    customerId: text().notNull(),
    eventType: text().notNull(),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
    subject: text(),
    description: text(),
    data: jsonb().$type<Record<string, unknown>>().notNull(),
    requestHash: text().notNull(),
    billed: text().$type<'billed' | 'unbilled'>().notNull(),
    unbilledReason: text(),
    fees: jsonb().$type<FeeRecord[]>().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.id] }), index().on(t.customerId, t.createdAt.desc())],
);

/**
 * Spend per customer, asset and hour (by when the usage occurred), written with the entries. Charts and
 * "spent this month" read this, never the raw ledger; hourly buckets let a caller's time zone set the day.
 */
export const spendRollup = pgTable(
  'spend_rollup',
  {
    customerId: text().notNull(),
    assetCode: text().notNull(),
    hour: timestamp({ withTimezone: true }).notNull(),
    amount: rollupAmount().notNull(),
    fiatAmount: rollupAmount().notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.assetCode, t.hour] })],
);

/**
 * The same spend per UTC day: "spent this month" and charts in UTC read at most a row per day, and any other time
 * zone reads whole UTC days from here and only the edge hours from `spend_rollup`.
 */
export const spendDaily = pgTable(
  'spend_daily',
  {
    customerId: text().notNull(),
    assetCode: text().notNull(),
    day: date({ mode: 'string' }).notNull(),
    amount: rollupAmount().notNull(),
    fiatAmount: rollupAmount().notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.assetCode, t.day] })],
);
