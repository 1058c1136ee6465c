import { pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { platforms } from './tenancy.ts';

/** Who a platform buys from (a model provider, a GPU cloud): Credyt's vendors, by the platform's own external id. */
export const vendors = pgTable(
  'vendors',
  {
    id: text().primaryKey(),
    platformId: text()
      .notNull()
      .references(() => platforms.id),
    name: text().notNull(),
    externalId: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.platformId, t.externalId)],
);
