import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { products } from './catalog.ts';
import { ledgerAmount } from './columns.ts';
import { platforms } from './tenancy.ts';

/** A subscription's state (https://docs.dev.credyt.ai/features/product-catalog/fixed-fee-pricing). */
export type SubscriptionStatus = 'active' | 'pending';

export const customers = pgTable(
  'customers',
  {
    id: text().primaryKey(),
    platformId: text()
      .notNull()
      .references(() => platforms.id),
    name: text().notNull(),
    externalId: text().notNull(),
    email: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.platformId, t.externalId)],
);

export const subscriptions = pgTable(
  'subscriptions',
  {
    customerId: text()
      .notNull()
      .references(() => customers.id),
    productId: text()
      .notNull()
      .references(() => products.id),
    /** The subscription (`sub_…`) of the request that listed this product: one customer may have several. */
    subscriptionId: text().notNull(),
    /** The product version the customer is billed by: the default one when they subscribed. */
    version: integer().notNull().default(1),
    /**
     * `active`, or `pending` until its first recurring fee is paid (a product with a fixed price): a pending
     * subscription bills no usage. Every row of one `subscriptionId` has the same status, start and URLs.
     */
    status: text().$type<SubscriptionStatus>().notNull().default('active'),
    /** When it became active: at creation, or when its first fee was paid; none while pending. */
    startedAt: timestamp({ withTimezone: true }),
    /** Where the customer goes after paying, and if paying fails (the subscription's `return_url`, `failure_url`). */
    returnUrl: text(),
    failureUrl: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.productId] }),
    index().on(t.productId),
    index().on(t.subscriptionId),
    check('subscriptions_status_known', sql`${t.status} in ('active', 'pending')`),
    check('subscriptions_active_started', sql`(${t.status} = 'active') = (${t.startedAt} is not null)`),
  ],
);

/**
 * A wallet account. `balance` is a projection of the ledger, changed only in the transaction that appends the
 * entries it sums, under this row's lock.
 */
export const accounts = pgTable(
  'accounts',
  {
    customerId: text()
      .notNull()
      .references(() => customers.id),
    name: text().notNull(),
    assetCode: text().notNull(),
    platformId: text()
      .notNull()
      .references(() => platforms.id),
    balance: ledgerAmount().notNull().default('0'),
    /** Bumped with every append that moves the balance (and the spend rollups, in the same transaction). */
    version: bigint({ mode: 'number' }).notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.name, t.assetCode] }),
    check('accounts_names_present', sql`${t.name} <> '' and ${t.assetCode} <> ''`),
    check('accounts_version_counts', sql`${t.version} >= 0`),
  ],
);
