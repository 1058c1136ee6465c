import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * A billing-portal session. The link token signs in once within 10 minutes; the access token it is exchanged
 * for lives until `accessExpiresAt` or revocation. Both are stored as SHA-256 digests only.
 */
export const portalSessions = pgTable(
  'portal_sessions',
  {
    id: text().primaryKey(),
    platformId: text().notNull(),
    customerId: text().notNull(),
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
