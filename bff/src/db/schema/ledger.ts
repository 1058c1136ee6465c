import { sql } from 'drizzle-orm';
import { bigint, check, date, foreignKey, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { CATEGORIES, type Category } from '@credyt/shared';
import type { FeeRecord } from '../../pricing/types.ts';
import { ledgerAmount, literals, rollupAmount } from './columns.ts';
import { accounts, customers } from './customers.ts';

/**
 * The ledger: append-only. A correction is a new entry; nothing here is ever updated or deleted.
 * The rules a single row must keep are checks, so no writer (a script, a future feature, a bug) can break them: every
 * entry belongs to an existing account, has a known category, and moves money (a usage entry may be a free event's
 * zero); a usage entry is a debit written for its event, and its fiat value never has the opposite sign.
 */
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
    foreignKey({
      name: 'entries_account_fk',
      columns: [t.customerId, t.accountName, t.assetCode],
      foreignColumns: [accounts.customerId, accounts.name, accounts.assetCode],
    }),
    check('entries_category_known', sql`${t.category} in (${literals(CATEGORIES)})`),
    check('entries_amount_moves', sql`${t.category} = 'usage' or ${t.amount} <> 0`),
    check('entries_usage_is_debit', sql`${t.category} <> 'usage' or (${t.amount} <= 0 and ${t.eventId} is not null)`),
    check('entries_auto_top_up_is_credit', sql`${t.category} <> 'auto_top_up' or ${t.amount} > 0`),
    check('entries_fiat_same_sign', sql`${t.fiatAmount} is null or (${t.fiatCurrency} is not null and ${t.fiatAmount} * ${t.amount} >= 0)`),
    check('entries_fiat_currency_code', sql`${t.fiatCurrency} is null or ${t.fiatCurrency} ~ '^[A-Z]{3}$'`),
    check('entries_source_named', sql`${t.source} ~ '^[a-z_]+:.+$'`),
    check('entries_event_is_source', sql`${t.eventId} is null or ${t.source} = 'event:' || ${t.eventId}`),
    check('entries_ids_present', sql`${t.id} <> '' and ${t.platformId} <> ''`),
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
  (t) => [
    primaryKey({ columns: [t.platformId, t.id] }),
    index().on(t.customerId, t.createdAt.desc()),
    foreignKey({ name: 'events_customer_fk', columns: [t.customerId], foreignColumns: [customers.id] }),
    check('events_id_present', sql`${t.id} <> '' and ${t.eventType} <> ''`),
    check('events_billed_known', sql`${t.billed} in ('billed', 'unbilled')`),
    check('events_json_shapes', sql`jsonb_typeof(${t.data}) = 'object' and jsonb_typeof(${t.fees}) = 'array'`),
  ],
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

export type GrantPurpose = 'paid' | 'promotional';

/**
 * A credit that added to a balance, with what it is for and when it lapses (Credyt's credit grants,
 * https://docs.dev.credyt.ai/features/credit-grants). Written with the entry that credited it; for now by wallet
 * adjustments, which is where Credyt's `expires_at` arrives. Spending them in order and writing their expiry is the
 * grants issue's work; the balance stays Σ entries either way.
 */
export const creditGrants = pgTable(
  'credit_grants',
  {
    id: text().notNull().unique(),
    platformId: text().notNull(),
    customerId: text()
      .notNull()
      .references(() => customers.id),
    accountName: text().notNull(),
    assetCode: text().notNull(),
    amount: ledgerAmount().notNull(),
    purpose: text().$type<GrantPurpose>().notNull(),
    expiresAt: timestamp({ withTimezone: true }),
    /** The credit's ledger entry (`entries.source`): one grant per credit. */
    source: text().notNull(),
    entryId: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.platformId, t.source] }),
    index('credit_grants_customer_idx').on(t.customerId, t.assetCode, t.expiresAt),
    check('credit_grants_amount_positive', sql`${t.amount} > 0`),
    check('credit_grants_purpose_known', sql`${t.purpose} in ('paid', 'promotional')`),
  ],
);
