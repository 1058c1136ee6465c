import { sql } from 'drizzle-orm';
import { boolean, check, foreignKey, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { platforms } from './tenancy.ts';

/**
 * Where a platform wants its webhook events (Credyt's webhook destinations, https://docs.dev.credyt.ai/features/webhooks):
 * an URL, the topics it subscribes to (`*` for all) and the secret its deliveries are signed with. A deleted
 * destination is kept (its delivery log stays readable) and receives nothing more.
 */
export const webhookDestinations = pgTable(
  'webhook_destinations',
  {
    id: text().primaryKey(),
    platformId: text()
      .notNull()
      .references(() => platforms.id),
    url: text().notNull(),
    topics: text().array().notNull(),
    /** Credyt's `connect`: also receive the events of the platform's connected accounts. */
    connect: boolean().notNull().default(false),
    description: text(),
    enabled: boolean().notNull().default(true),
    secret: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index('webhook_destinations_platform_idx')
      .on(t.platformId)
      .where(sql`${t.deletedAt} is null`),
  ],
);

/**
 * An event for the platform, written in the transaction of the change it reports. `data` is kept as the JSON text it
 * goes out as, so every attempt of every delivery sends the same bytes (signed anew each time).
 */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: text().primaryKey(),
    platformId: text()
      .notNull()
      .references(() => platforms.id),
    type: text().notNull(),
    data: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_events_platform_idx').on(t.platformId, t.createdAt)],
);

/** `paused`: due, but its destination is disabled; enabling it makes the delivery `pending` again. */
export type DeliveryStatus = 'pending' | 'sending' | 'succeeded' | 'failed' | 'cancelled' | 'paused';

/**
 * The outbox: one row per event and destination, written with the event. Workers claim due rows with
 * `FOR UPDATE SKIP LOCKED` and a lease (`claimedUntil`); a lease that ran out (its process died) is claimed again.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    eventId: text()
      .notNull()
      .references(() => webhookEvents.id),
    destinationId: text()
      .notNull()
      .references(() => webhookDestinations.id),
    status: text().$type<DeliveryStatus>().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    /** Attempts made before the platform last asked for it again: the retry schedule counts from there. */
    attemptBase: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    claimedUntil: timestamp({ withTimezone: true }),
    lastStatusCode: integer(),
    lastError: text(),
    deliveredAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.destinationId] }),
    index('webhook_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_sending_idx')
      .on(t.claimedUntil)
      .where(sql`${t.status} = 'sending'`),
    index('webhook_deliveries_destination_idx').on(t.destinationId, t.createdAt),
    check(
      'webhook_deliveries_status_known',
      sql`${t.status} in ('pending', 'sending', 'succeeded', 'failed', 'cancelled', 'paused') and ${t.attempts} >= ${t.attemptBase} and ${t.attemptBase} >= 0`,
    ),
  ],
);

/** The delivery log: every attempt, its answer or its error. Append-only. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    eventId: text().notNull(),
    destinationId: text().notNull(),
    attempt: integer().notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    durationMs: integer().notNull(),
    statusCode: integer(),
    error: text(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.destinationId, t.attempt] }),
    foreignKey({ columns: [t.eventId, t.destinationId], foreignColumns: [webhookDeliveries.eventId, webhookDeliveries.destinationId] }),
  ],
);
