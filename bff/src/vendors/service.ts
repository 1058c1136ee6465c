// Vendors: who a platform buys from, named by the platform's own external id, and what it paid them. Owns `vendors`
// and `event_costs` (the `costs` of usage events, written with the events by usage/service.ts; summed here).
import { and, asc, count, countDistinct, eq, inArray, max, min, or, sql } from 'drizzle-orm';
import { toDecimalString } from '@credyt/shared';
import type { Database, Executor } from '../db/client.ts';
import { eventCosts, vendors } from '../db/schema/index.ts';
import type { Page, PageRequest } from '../http/paging.ts';
import { conflict, notFound } from '../http/problem.ts';
import { newId } from '../ids.ts';

export type VendorRow = typeof vendors.$inferSelect;

export async function createVendor(db: Database, platformId: string, body: { name: string; external_id: string }): Promise<VendorRow> {
  const [row] = await db
    .insert(vendors)
    .values({ id: newId('vnd'), platformId, name: body.name, externalId: body.external_id })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict(`A vendor with external_id ${body.external_id} already exists.`, [{ path: 'external_id', message: 'is taken' }]);
  return row;
}

/** A page of the platform's vendors, oldest first; `external_id` narrows to one. */
export async function listVendors(
  db: Database,
  platformId: string,
  query: PageRequest & { external_id?: string | undefined },
): Promise<Page<VendorRow>> {
  const where = and(eq(vendors.platformId, platformId), query.external_id ? eq(vendors.externalId, query.external_id) : undefined);
  const [rows, [total]] = await Promise.all([
    db.select().from(vendors).where(where).orderBy(asc(vendors.createdAt), asc(vendors.id)).limit(query.limit).offset(query.offset),
    db.select({ n: count() }).from(vendors).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** One of the platform's vendors: another platform's is as unknown as a made-up one. */
export async function vendorOf(db: Database, platformId: string, id: string): Promise<VendorRow> {
  const [row] = await db
    .select()
    .from(vendors)
    .where(and(eq(vendors.platformId, platformId), eq(vendors.id, id)));
  if (!row) throw notFound('The vendor');
  return row;
}

/** A usage event's cost as the platform sent it: one vendor (by id or by external id), an exact amount, a currency. */
export interface CostInput {
  vendor_id?: string | undefined;
  vendor_external_id?: string | undefined;
  amount: string;
  currency: string;
  description?: string | undefined;
}

/** A cost whose vendor is known to be the platform's: what `writeEventCosts` stores. */
export interface ResolvedCost {
  vendorId: string;
  amount: string;
  currency: string;
  description: string | null;
}

/**
 * The platform's vendors named by `costs` (each by `vendor_id` or `vendor_external_id`), in one query: `resolve`
 * answers a cost's vendor id, or null when no vendor of this platform has that id (another platform's is unknown).
 */
export async function vendorResolver(db: Executor, platformId: string, costs: CostInput[]): Promise<(cost: CostInput) => string | null> {
  const ids = [...new Set(costs.flatMap((c) => (c.vendor_id === undefined ? [] : [c.vendor_id])))];
  const externalIds = [...new Set(costs.flatMap((c) => (c.vendor_external_id === undefined ? [] : [c.vendor_external_id])))];
  const rows =
    ids.length + externalIds.length === 0
      ? []
      : await db
          .select({ id: vendors.id, externalId: vendors.externalId })
          .from(vendors)
          .where(
            and(
              eq(vendors.platformId, platformId),
              or(
                ids.length ? inArray(vendors.id, ids) : undefined,
                externalIds.length ? inArray(vendors.externalId, externalIds) : undefined,
              ),
            ),
          );
  const byId = new Set(rows.map((r) => r.id));
  const byExternalId = new Map(rows.map((r) => [r.externalId, r.id]));
  return (cost) =>
    cost.vendor_id !== undefined
      ? byId.has(cost.vendor_id)
        ? cost.vendor_id
        : null
      : (byExternalId.get(cost.vendor_external_id ?? '') ?? null);
}

/** One new event's costs, to be written in the transaction that writes the event. */
export interface EventCosts {
  platformId: string;
  eventId: string;
  customerId: string;
  occurredAt: string;
  costs: ResolvedCost[];
}

/** Stores the costs of newly written events, all in one statement (exact: amounts go in as text, into `numeric`). */
export async function writeEventCosts(tx: Executor, written: EventCosts[]): Promise<void> {
  const rows = written.flatMap((e) =>
    e.costs.map((c, position) => ({
      platform_id: e.platformId,
      event_id: e.eventId,
      position,
      vendor_id: c.vendorId,
      customer_id: e.customerId,
      currency: c.currency,
      amount: c.amount,
      description: c.description,
      occurred_at: e.occurredAt,
    })),
  );
  if (rows.length === 0) return;
  await tx.execute(sql`
    insert into ${eventCosts} (platform_id, event_id, position, vendor_id, customer_id, currency, amount, description, occurred_at)
    select platform_id, event_id, position, vendor_id, customer_id, currency, amount::numeric, description, occurred_at
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(platform_id text, event_id text, position integer, vendor_id text,
      customer_id text, currency text, amount text, description text, occurred_at timestamptz)`);
}

/** What the platform paid one vendor: the events that carried its costs, and their sums per currency. */
export interface VendorStats {
  id: string;
  events: { total: number; first_at: Date | null; last_at: Date | null };
  customers: number;
  costs: { currency: string; amount: string }[];
}

/** A vendor's cost totals, from its events' costs (sums of exact `numeric`s, so exact). */
export async function vendorStats(db: Database, platformId: string, vendorId: string): Promise<VendorStats> {
  const vendor = await vendorOf(db, platformId, vendorId);
  const mine = eq(eventCosts.vendorId, vendor.id);
  const [[totals], sums] = await Promise.all([
    db
      .select({
        events: countDistinct(eventCosts.eventId),
        customers: countDistinct(eventCosts.customerId),
        first: min(eventCosts.occurredAt),
        last: max(eventCosts.occurredAt),
      })
      .from(eventCosts)
      .where(mine),
    db
      .select({ currency: eventCosts.currency, amount: sql<string>`sum(${eventCosts.amount})::text` })
      .from(eventCosts)
      .where(mine)
      .groupBy(eventCosts.currency)
      .orderBy(eventCosts.currency),
  ]);
  return {
    id: vendor.id,
    events: { total: totals?.events ?? 0, first_at: totals?.first ?? null, last_at: totals?.last ?? null },
    customers: totals?.customers ?? 0,
    costs: sums.map((s) => ({ currency: s.currency, amount: toDecimalString(s.amount) })),
  };
}
