import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, pgTable, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { ledgerAmount } from './columns.ts';
import { events } from './ledger.ts';
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

/**
 * What the platform paid a vendor for one usage event: the event's `costs`, one row each, written with the event
 * (once, like the event) and never changed. Amounts are exact (`numeric(38, 18)`), in the vendor's currency; a
 * vendor's stats are their sums. `position` is the cost's index in the event's `costs`.
 */
export const eventCosts = pgTable(
  'event_costs',
  {
    platformId: text().notNull(),
    eventId: text().notNull(),
    position: integer().notNull(),
    vendorId: text()
      .notNull()
      .references(() => vendors.id),
    customerId: text().notNull(),
    currency: text().notNull(),
    amount: ledgerAmount().notNull(),
    description: text(),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.platformId, t.eventId, t.position] }),
    foreignKey({ name: 'event_costs_event_fk', columns: [t.platformId, t.eventId], foreignColumns: [events.platformId, events.id] }),
    index().on(t.vendorId, t.currency),
    check('event_costs_amount_not_negative', sql`${t.amount} >= 0`),
    check('event_costs_currency_code', sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);
