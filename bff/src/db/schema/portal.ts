import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { customers } from './customers.ts';

/**
 * A billing-portal session. The link token signs in once within 10 minutes; the access token it is exchanged
 * for lives until `accessExpiresAt` or revocation. Both are stored as SHA-256 digests only.
 */
export const portalSessions = pgTable(
  'portal_sessions',
  {
    id: text().primaryKey(),
    platformId: text().notNull(),
    customerId: text()
      .notNull()
      .references(() => customers.id),
    linkTokenHash: text().notNull().unique(),
    linkExpiresAt: timestamp({ withTimezone: true }).notNull(),
    linkUsedAt: timestamp({ withTimezone: true }),
    accessTokenHash: text().unique(),
    accessExpiresAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    returnUrl: text().notNull(),
    failureUrl: text().notNull(),
    locale: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.customerId)],
);

/**
 * Fixed-window counters for the abuse limits (link exchange, sign-in, failed credentials), shared by every BFF
 * process. Unlogged: a counter lost in a crash only forgives a minute of attempts.
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text().primaryKey(),
    windowStart: timestamp({ withTimezone: true }).notNull(),
    hits: integer().notNull(),
  },
  (t) => [index().on(t.windowStart)],
);
