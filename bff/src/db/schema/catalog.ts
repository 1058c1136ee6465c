import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core';
import type { PriceType, PricingEntry, RecurringInterval, UsageType } from '../../pricing/types.ts';
import { platforms } from './tenancy.ts';

/** Custom assets of a platform (fiat ISO 4217 assets are built in and not stored). */
export const assets = pgTable(
  'assets',
  {
    platformId: text()
      .notNull()
      .references(() => platforms.id),
    code: text().notNull(),
    name: text().notNull(),
    precision: integer().notNull(),
    symbol: text(),
    label: text(),
    /** The unit in the singular ("image credit") where `label` is the plural ("image credits"). */
    labelSingular: text(),
    /** `[{ source: "USD", rate: "0.1" }]`: the price of one unit in `source`, as exact decimal text. */
    rates: jsonb().$type<{ source: string; rate: string }[]>().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.code] })],
);

export const products = pgTable(
  'products',
  {
    id: text().primaryKey(),
    platformId: text()
      .notNull()
      .references(() => platforms.id),
    code: text().notNull(),
    name: text().notNull(),
    /** Whether the first version was published when the product was created (each version's status is its own). */
    publish: boolean().notNull(),
    /** The version new subscriptions take and `default` means. */
    defaultVersion: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.platformId, t.code)],
);

/**
 * A product's versions, 1 up: a new version carries new prices and leaves the customers of the older ones on
 * theirs (https://docs.credyt.ai/features/product-catalog: "Products are versioned automatically").
 */
/** One bundled credit: an asset and an amount, with whatever else Credyt's request says of it (kept verbatim). */
export interface Entitlement {
  asset: string;
  amount: string;
  [field: string]: unknown;
}

export const productVersions = pgTable(
  'product_versions',
  {
    productId: text()
      .notNull()
      .references(() => products.id),
    version: integer().notNull(),
    name: text().notNull(),
    status: text().$type<'draft' | 'published'>().notNull(),
    /**
     * Credits bundled with the version (Credyt's `entitlements`, https://docs.dev.credyt.ai/features/product-catalog/entitlements),
     * as the platform sent them with each amount as exact text; stored for the grants that give them their meaning.
     */
    entitlements: jsonb().$type<Entitlement[]>().notNull().default([]),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.productId, t.version] })],
);

export const prices = pgTable(
  'prices',
  {
    id: text().primaryKey(),
    platformId: text().notNull(),
    productId: text()
      .notNull()
      .references(() => products.id),
    /** The product version this price belongs to. */
    version: integer().notNull().default(1),
    position: integer().notNull(),
    name: text().notNull(),
    /**
     * `usage_based` (charged per event: the event type and usage type say how) or `fixed` (a recurring fee, charged
     * per `recurring_interval` through Stripe, with neither).
     */
    type: text().$type<PriceType>().notNull().default('usage_based'),
    recurringInterval: text().$type<RecurringInterval>(),
    eventType: text(),
    usageType: text().$type<UsageType>(),
    volumeField: text(),
    /** The `data` field whose value each fee of this price records as its `source_reference` (Credyt's). */
    sourceReferenceField: text(),
    billableDimensions: jsonb().$type<string[]>().notNull(),
    pricing: jsonb().$type<PricingEntry[]>().notNull(),
    description: text(),
  },
  (t) => [
    index().on(t.platformId, t.eventType),
    index().on(t.productId, t.version),
    check(
      'prices_type_shape',
      sql`(${t.type} = 'usage_based' and ${t.eventType} is not null and ${t.usageType} is not null and ${t.recurringInterval} is null)
        or (${t.type} = 'fixed' and ${t.eventType} is null and ${t.usageType} is null and ${t.recurringInterval} is not null)`,
    ),
  ],
);
