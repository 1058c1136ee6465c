import { index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core';

export interface PortalConfiguration {
  branding: {
    name: string;
    logo_url: string | null;
    primary_color: string | null;
    accent_color: string | null;
    font_family: string | null;
  };
  urls: { support_url: string | null; terms_url: string | null; product_url: string | null };
  allowed_origins: string[];
  features: { top_up: boolean; auto_top_up: boolean; spend_history: boolean; usage_history: boolean; transactions: boolean };
  default_locale: string;
}

export const platforms = pgTable('platforms', {
  id: text().primaryKey(),
  name: text().notNull(),
  /** The currency fiat values, charts and top-up payments are expressed in. */
  currency: text().notNull().default('USD'),
  portalConfig: jsonb().$type<PortalConfiguration>().notNull(),
  /** The platform's own top-up minimum; below Stripe's minimum charge (0 by default) Stripe's applies. */
  topUpMinimum: numeric().notNull().default('0'),
  topUpMaximum: numeric().notNull().default('10000'),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** API keys are stored as SHA-256 digests: a database leak does not leak usable keys. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text().primaryKey(),
    platformId: text()
      .notNull()
      .references(() => platforms.id),
    keyHash: text().notNull().unique(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index().on(t.platformId)],
);

/** Request idempotency for writes that have no natural key of their own (adjustments, top-ups). */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    platformId: text()
      .notNull()
      .references(() => platforms.id),
    scope: text().notNull(),
    key: text().notNull(),
    requestHash: text().notNull(),
    status: integer().notNull(),
    response: jsonb().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.scope, t.key] })],
);

/**
 * Accounts a platform provisions for its own business customers (Credyt for Platforms, "connected accounts"). Kept
 * as records: a connected account has no API key, catalog or wallets of its own yet.
 */
export const connectedAccounts = pgTable(
  'connected_accounts',
  {
    id: text().primaryKey(),
    platformId: text()
      .notNull()
      .references(() => platforms.id),
    name: text().notNull(),
    externalId: text(),
    metadata: jsonb().$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.platformId, t.externalId)],
);
