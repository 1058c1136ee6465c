import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core';
import type { PricingEntry } from '../../pricing/types.ts';
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
    publish: boolean().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.platformId, t.code)],
);

export const prices = pgTable(
  'prices',
  {
    id: text().primaryKey(),
    platformId: text().notNull(),
    productId: text()
      .notNull()
      .references(() => products.id),
    position: integer().notNull(),
    name: text().notNull(),
    eventType: text().notNull(),
    usageType: text().$type<'unit' | 'volume'>().notNull(),
    volumeField: text(),
    billableDimensions: jsonb().$type<string[]>().notNull(),
    pricing: jsonb().$type<PricingEntry[]>().notNull(),
    description: text(),
  },
  (t) => [index().on(t.platformId, t.eventType), index().on(t.productId)],
);
