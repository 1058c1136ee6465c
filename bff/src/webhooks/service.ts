// Webhooks to the platform: destinations, the events written with the changes they report (the outbox) and the
// delivery log. Owns `webhook_destinations`, `webhook_events`, `webhook_deliveries` and `webhook_attempts`.
import { and, asc, count, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database, Executor } from '../db/client.ts';
import { webhookAttempts, webhookDeliveries, webhookDestinations, type DeliveryStatus } from '../db/schema/index.ts';
import { writeAmountsAsNumbers } from '../http/amounts-as-numbers.ts';
import type { Page, PageRequest } from '../http/paging.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import { newId, newSecret } from '../ids.ts';
import { WEBHOOK_CHANNEL } from '../bus.ts';

/**
 * The event types a destination can subscribe to. Credyt documents `subscription.activated`
 * (https://docs.dev.credyt.ai/features/webhooks); the others report this service's payments, in the same envelope.
 */
export const WEBHOOK_TOPICS = ['subscription.activated', 'top_up.succeeded', 'top_up.failed', 'auto_top_up.paused'] as const;
export type WebhookTopic = (typeof WEBHOOK_TOPICS)[number];
export const ALL_TOPICS = '*';

export type DestinationRow = typeof webhookDestinations.$inferSelect;

export interface DestinationInput {
  url: string;
  topics: string[];
  connect: boolean;
  description?: string | null | undefined;
}

export interface DestinationPatch {
  url?: string | undefined;
  topics?: string[] | undefined;
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

/** Destinations a platform may have: every event fans out to each of them inside the transaction of its change. */
export const MAX_DESTINATIONS = 20;

export async function createDestination(db: Database, platformId: string, input: DestinationInput): Promise<DestinationRow> {
  return db.transaction(async (tx) => {
    // One creation at a time per platform, so the cap holds under concurrent requests.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`webhooks:${platformId}`}))`);
    const [existing] = await tx
      .select({ n: count() })
      .from(webhookDestinations)
      .where(and(eq(webhookDestinations.platformId, platformId), isNull(webhookDestinations.deletedAt)));
    if ((existing?.n ?? 0) >= MAX_DESTINATIONS)
      throw conflict(`A platform has at most ${MAX_DESTINATIONS} webhook destinations: delete one first.`);
    return insertDestination(tx, platformId, input);
  });
}

async function insertDestination(db: Executor, platformId: string, input: DestinationInput): Promise<DestinationRow> {
  const [row] = await db
    .insert(webhookDestinations)
    .values({
      id: newId('whd'),
      platformId,
      url: input.url,
      topics: input.topics,
      connect: input.connect,
      description: input.description ?? null,
      secret: newSecret('whsec'),
    })
    .returning();
  return row!;
}

/** One of the platform's destinations (not deleted): another platform's is as unknown as a made-up one. */
export async function destinationOf(db: Executor, platformId: string, id: string): Promise<DestinationRow> {
  const [row] = await db
    .select()
    .from(webhookDestinations)
    .where(and(eq(webhookDestinations.id, id), eq(webhookDestinations.platformId, platformId), isNull(webhookDestinations.deletedAt)));
  if (!row) throw notFound('The webhook destination');
  return row;
}

export async function listDestinations(db: Database, platformId: string, page: PageRequest): Promise<Page<DestinationRow>> {
  const where = and(eq(webhookDestinations.platformId, platformId), isNull(webhookDestinations.deletedAt));
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(webhookDestinations)
      .where(where)
      .orderBy(asc(webhookDestinations.createdAt), asc(webhookDestinations.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ n: count() }).from(webhookDestinations).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/**
 * Changes a destination. Disabling it pauses what was still to be sent to it (`paused`; a delivery in flight finishes
 * its attempt and then pauses too); enabling it sends that again, due at once.
 */
export async function updateDestination(db: Database, platformId: string, id: string, patch: DestinationPatch): Promise<DestinationRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookDestinations)
      .set({
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.topics !== undefined ? { topics: patch.topics } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(webhookDestinations.id, id), eq(webhookDestinations.platformId, platformId), isNull(webhookDestinations.deletedAt)))
      .returning();
    if (!row) throw notFound('The webhook destination');
    if (patch.enabled === false)
      await tx
        .update(webhookDeliveries)
        .set({ status: 'paused' })
        .where(and(eq(webhookDeliveries.destinationId, id), eq(webhookDeliveries.status, 'pending')));
    if (patch.enabled === true) {
      const resumed = await tx
        .update(webhookDeliveries)
        .set({ status: 'pending', nextAttemptAt: new Date() })
        .where(and(eq(webhookDeliveries.destinationId, id), eq(webhookDeliveries.status, 'paused')))
        .returning({ id: webhookDeliveries.eventId });
      if (resumed.length > 0) await tx.execute(sql`select pg_notify(${WEBHOOK_CHANNEL.name}, '')`);
    }
    return row;
  });
}

/** Deletes the destination: it receives nothing more, and what was still to be sent to it is cancelled. */
export async function deleteDestination(db: Database, platformId: string, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookDestinations)
      .set({ deletedAt: new Date(), enabled: false, updatedAt: new Date() })
      .where(and(eq(webhookDestinations.id, id), eq(webhookDestinations.platformId, platformId), isNull(webhookDestinations.deletedAt)))
      .returning({ id: webhookDestinations.id });
    if (!row) throw notFound('The webhook destination');
    await tx
      .update(webhookDeliveries)
      .set({ status: 'cancelled', claimedUntil: null })
      .where(and(eq(webhookDeliveries.destinationId, id), inArray(webhookDeliveries.status, ['pending', 'sending', 'paused'])));
  });
}

/** A new destination's topics: `*` alone, or known topics each once. */
export function checkTopics(topics: string[], path = 'topics'): string[] {
  const errors = topics.flatMap((t, i) =>
    t === ALL_TOPICS || (WEBHOOK_TOPICS as readonly string[]).includes(t)
      ? []
      : [{ path: `${path}.${i}`, message: `unknown topic ${t}: use * or one of ${WEBHOOK_TOPICS.join(', ')}` }],
  );
  if (topics.includes(ALL_TOPICS) && topics.length > 1) errors.push({ path, message: '* already means every topic: send it alone' });
  if (new Set(topics).size !== topics.length) errors.push({ path, message: 'lists a topic twice' });
  if (errors.length > 0) throw invalid(errors);
  return topics;
}

/**
 * The body every delivery of an event sends, in Credyt's envelope (`id`, `type`, `created`, `live_mode`, `data`):
 * the same bytes on every attempt, `data` as it was written.
 */
export function envelope(event: { id: string; type: string; createdAt: Date; data: string }, liveMode: boolean): string {
  const head = JSON.stringify({ id: event.id, type: event.type, created: event.createdAt.toISOString(), live_mode: liveMode });
  return `${head.slice(0, -1)},"data":${event.data}}`;
}

/**
 * Records an event for the platform in `tx`, the transaction of the change it reports (so it exists if and only if the
 * change commits), queues one delivery per destination subscribed to its topic, and wakes the workers on commit. One
 * statement; nothing is written when no destination subscribes. Amounts in `data` are exact decimal strings and go out as JSON numbers, as Credyt's do.
 */
export async function emitWebhook(tx: Executor, platformId: string, type: WebhookTopic, data: Record<string, unknown>): Promise<string> {
  const id = newId('evt');
  // `data` is this service's own content, so its amounts are written as numbers too (the platform API's `data` is not).
  const text = writeAmountsAsNumbers(data);
  await tx.execute(sql`
    with targets as (
      select d.id from webhook_destinations d
      where d.platform_id = ${platformId} and d.deleted_at is null and d.enabled
        and (${ALL_TOPICS} = any(d.topics) or ${type} = any(d.topics))
    ), event as (
      insert into webhook_events (id, platform_id, type, data)
      select ${id}, ${platformId}, ${type}, ${text} where exists (select 1 from targets)
      returning id
    ), queued as (
      insert into webhook_deliveries (event_id, destination_id) select event.id, targets.id from event, targets returning 1
    )
    select pg_notify(${WEBHOOK_CHANNEL.name}, '') from (select 1 from queued limit 1) q`);
  return id;
}

export interface DeliveryView {
  event_id: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
  log: { attempt: number; started_at: string; duration_ms: number; status_code: number | null; error: string | null }[];
}

/** The destination's delivery log, newest first, each delivery with its attempts; `status` narrows it. */
export async function listDeliveries(
  db: Database,
  platformId: string,
  destinationId: string,
  query: PageRequest & { status?: DeliveryStatus | undefined },
): Promise<Page<DeliveryView>> {
  await destinationOf(db, platformId, destinationId);
  const where = and(
    eq(webhookDeliveries.destinationId, destinationId),
    query.status ? eq(webhookDeliveries.status, query.status) : undefined,
  );
  const [rows, [total]] = await Promise.all([
    db
      .select({ d: webhookDeliveries, type: sql<string>`(select type from webhook_events e where e.id = ${webhookDeliveries.eventId})` })
      .from(webhookDeliveries)
      .where(where)
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.eventId))
      .limit(query.limit)
      .offset(query.offset),
    db.select({ n: count() }).from(webhookDeliveries).where(where),
  ]);
  const attempts = rows.length
    ? await db
        .select()
        .from(webhookAttempts)
        .where(
          and(
            eq(webhookAttempts.destinationId, destinationId),
            inArray(
              webhookAttempts.eventId,
              rows.map((r) => r.d.eventId),
            ),
          ),
        )
        .orderBy(asc(webhookAttempts.attempt))
    : [];
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    total: total?.n ?? 0,
    rows: rows.map(({ d, type }) => ({
      event_id: d.eventId,
      type,
      status: d.status,
      attempts: d.attempts,
      next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
      last_status_code: d.lastStatusCode,
      last_error: d.lastError,
      delivered_at: iso(d.deliveredAt),
      created_at: d.createdAt.toISOString(),
      log: attempts
        .filter((a) => a.eventId === d.eventId)
        .map((a) => ({
          attempt: a.attempt,
          started_at: a.startedAt.toISOString(),
          duration_ms: a.durationMs,
          status_code: a.statusCode,
          error: a.error,
        })),
    })),
  };
}

/**
 * Sends a delivery again now, whatever became of it (the platform fixed its endpoint): the same event, with a fresh
 * retry schedule (`attempt_base`), not yet delivered again. Refused while it is being sent, or its destination disabled.
 */
export async function redeliver(db: Database, platformId: string, destinationId: string, eventId: string): Promise<void> {
  const destination = await destinationOf(db, platformId, destinationId);
  if (!destination.enabled) throw conflict('The destination is disabled: enable it, and what it missed is sent again.');
  const [row] = await db
    .update(webhookDeliveries)
    .set({
      status: 'pending',
      nextAttemptAt: new Date(),
      claimedUntil: null,
      deliveredAt: null,
      attemptBase: sql`${webhookDeliveries.attempts}`,
    })
    .where(
      and(
        eq(webhookDeliveries.destinationId, destinationId),
        eq(webhookDeliveries.eventId, eventId),
        inArray(webhookDeliveries.status, ['pending', 'succeeded', 'failed', 'cancelled']),
      ),
    )
    .returning({ id: webhookDeliveries.eventId });
  if (!row) {
    const [sending] = await db
      .select({ status: webhookDeliveries.status })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.destinationId, destinationId), eq(webhookDeliveries.eventId, eventId)));
    if (sending) throw conflict('The delivery is being sent right now: look at its log in a moment.');
    throw notFound('The delivery', 'event_id');
  }
  await db.execute(sql`select pg_notify(${WEBHOOK_CHANNEL.name}, '')`);
}
