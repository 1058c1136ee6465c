// Usage: the events platforms send, what they cost (pricing/fees.ts), their debits to the wallet's ledger, and the
// portal's list of them by event. Owns `events`; debits go through the ledger, which tells spend, auto top-up, streams.
import { and, count, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { money, toDecimalString, type FieldError, type ListTotal, UsageQuery } from '@credyt/shared';
import { AssetRegistry, fiatValue, type AssetInfo } from '../catalog/registry.ts';
import { productOf } from '../catalog/service.ts';
import { customerOf } from '../customers/service.ts';
import { type Database, type Executor, preparedRows, resultRows, transact } from '../db/client.ts';
import type { Settled } from '../db/group-commit.ts';
import { assets, customers, entries, events, prices, products, subscriptions } from '../db/schema/index.ts';
import { before, beforeEvent, exactInstant, newestFirst, type EventPosition, type Position } from '../http/cursor.ts';
import type { Page, PageRequest } from '../http/paging.ts';
import { conflict, invalid, notFound, type ProblemError } from '../http/problem.ts';
import { hashRequest } from '../ids.ts';
import { calculateFees, FeeOutOfRange } from '../pricing/fees.ts';
import type { FeeRecord, PriceRule, PricingEntry, UsageType } from '../pricing/types.ts';
import type { PlatformRow } from '../tenancy/api-key.ts';
import { endOfLocalDate, startOfLocalDate } from '../time.ts';
import { vendorResolver, writeEventCosts, type CostInput, type ResolvedCost } from '../vendors/service.ts';
import type { EntryDraft, EntryRow, Ledger } from '../wallet/ledger.ts';

export type EventRow = typeof events.$inferSelect;

/** One event of a batch, as the platform sent it (validated). */
export interface EventInput {
  id: string;
  event_type: string;
  occurred_at: string;
  subject?: string;
  description?: string;
  data: Record<string, unknown>;
  /** What the platform paid vendors for this event (https://docs.credyt.ai/features/profitability). */
  costs?: CostInput[] | undefined;
}

export interface EventOutcome {
  id: string;
  status: 'created' | 'duplicate';
  billed: boolean;
  unbilled_reason: string | null;
  fees: FeeRecord[];
}

/** Event ids repeated within one batch must carry the same body; a differing repeat is a client bug. */
function checkRepeats(batch: EventInput[], hashes: string[]): FieldError[] {
  const seen = new Map<string, number>();
  const errors: FieldError[] = [];
  batch.forEach((e, i) => {
    const first = seen.get(e.id);
    if (first === undefined) seen.set(e.id, i);
    else if (hashes[first] !== hashes[i])
      errors.push({ path: `events.${i}.id`, message: `repeats events.${first}.id with a different body` });
  });
  return errors;
}

type Priced = ReturnType<typeof calculateFees>;

/**
 * What pricing a batch needs, in one prepared statement (it runs on every `POST /events`): the customer, if the
 * platform's; the prices of its products for these event types, in product and position order; the platform's
 * custom assets.
 */
const ingestContext = preparedRows<{
  customer_id: string;
  rules: PriceRule[];
  assets: Omit<AssetInfo, 'fiat'>[];
}>(sql`
  select c.id as customer_id,
    (select coalesce(json_agg(json_build_object('id', pr.id, 'name', pr.name, 'productCode', p.code, 'productName', p.name,
        'eventType', pr.event_type, 'usageType', pr.usage_type, 'volumeField', pr.volume_field,
        'sourceReferenceField', pr.source_reference_field,
        'billableDimensions', pr.billable_dimensions, 'pricing', pr.pricing, 'description', pr.description)
        order by p.code, pr.position), '[]'::json)
      from ${subscriptions} s join ${products} p on p.id = s.product_id
        join ${prices} pr on pr.product_id = p.id and pr.version = s.version
      where s.customer_id = c.id and s.status = 'active' and pr.event_type in (select json_array_elements_text(${sql.placeholder('types')}::json))) as rules,
    (select coalesce(json_agg(json_build_object('code', a.code, 'name', a.name, 'precision', a.precision, 'symbol', a.symbol,
        'label', a.label, 'labelSingular', a.label_singular, 'rates', a.rates)), '[]'::json)
      from ${assets} a where a.platform_id = ${sql.placeholder('platform')}) as assets
  from ${customers} c
  where c.id = ${sql.placeholder('customer')} and c.platform_id = ${sql.placeholder('platform')}`);

/** One request's events, validated and priced before any write: what a group commit writes. */
export interface PreparedIngest {
  platform: PlatformRow;
  customerId: string;
  events: EventInput[];
  hashes: string[];
  outcomes: Priced[];
  /** Each event's costs, their vendors resolved to the platform's. */
  costs: ResolvedCost[][];
}

/**
 * Checks and prices a batch of usage events without writing: the customer is the platform's, repeated ids carry
 * the same body, every fee is within range. A failure here is the request's own 422 or 404.
 */
export async function prepareIngest(
  db: Database,
  platform: PlatformRow,
  batch: { customer_id: string; events: EventInput[] },
): Promise<PreparedIngest> {
  const eventTypes = [...new Set(batch.events.map((e) => e.event_type))];
  const [context] = await ingestContext(db, { platform: platform.id, customer: batch.customer_id, types: eventTypes });
  if (!context) throw notFound('The customer', 'customer_id');
  const customer = { id: context.customer_id };
  const hashes = batch.events.map((e) =>
    hashRequest({ customer_id: customer.id, ...e, occurred_at: new Date(e.occurred_at).toISOString() }),
  );
  const repeatErrors = checkRepeats(batch.events, hashes);
  if (repeatErrors.length > 0) throw invalid(repeatErrors);

  const rules = context.rules;
  const registry = new AssetRegistry(new Map(context.assets.map((a) => [a.code, { ...a, fiat: false }])));
  const feeErrors: FieldError[] = [];
  const outcomes = batch.events.map((e, i): Priced => {
    try {
      return calculateFees(e, rules, {
        asset: (code) => registry.get(code),
        fiatValue: (amount, asset) => fiatValue(amount, asset, platform.currency),
      });
    } catch (err) {
      if (!(err instanceof FeeOutOfRange)) throw err;
      feeErrors.push({ path: `events.${i}.${err.field}`, message: err.message });
      return { billed: false as const, reason: err.message };
    }
  });
  if (feeErrors.length > 0) throw invalid(feeErrors);
  const costs = await resolveCosts(db, platform.id, batch.events);
  return { platform, customerId: customer.id, events: batch.events, hashes, outcomes, costs };
}

/**
 * Each event's costs with their vendors resolved, or a 422 naming every cost whose vendor is not the platform's.
 * A batch without costs costs no query.
 */
async function resolveCosts(db: Database, platformId: string, batch: EventInput[]): Promise<ResolvedCost[][]> {
  const all = batch.flatMap((e) => e.costs ?? []);
  if (all.length === 0) return batch.map(() => []);
  const resolve = await vendorResolver(db, platformId, all);
  const errors: FieldError[] = [];
  const resolved = batch.map((e, i) =>
    (e.costs ?? []).map((cost, j): ResolvedCost => {
      const vendorId = resolve(cost);
      if (vendorId === null) {
        const field = cost.vendor_id !== undefined ? 'vendor_id' : 'vendor_external_id';
        errors.push({ path: `events.${i}.costs.${j}.${field}`, message: 'is not one of your vendors' });
      }
      return { vendorId: vendorId ?? '', amount: cost.amount, currency: cost.currency, description: cost.description ?? null };
    }),
  );
  if (errors.length > 0) throw invalid(errors);
  return resolved;
}

/** The fees one sample event would incur, or why it would go unbilled. */
export interface SimulatedEvent {
  id: string;
  billed: boolean;
  unbilled_reason: string | null;
  fees: FeeRecord[];
}

/**
 * Prices sample events under one version of a product (`default` or its number), as if a customer subscribed to it
 * alone sent them, and writes nothing: no event, no entry, no balance.
 */
export async function simulateUsage(
  db: Database,
  platform: PlatformRow,
  productId: string,
  version: string,
  sample: EventInput[],
): Promise<SimulatedEvent[]> {
  if (version !== 'default' && !/^[1-9]\d{0,8}$/.test(version)) throw notFound('The product version', 'version');
  const { product, prices: rows } = await productOf(db, platform.id, productId, version === 'default' ? 'default' : Number(version));
  const rules: PriceRule[] = [...rows]
    .sort((a, b) => a.position - b.position)
    .flatMap((p) =>
      p.type === 'usage_based' && p.eventType !== null && p.usageType !== null
        ? [{ ...p, eventType: p.eventType, usageType: p.usageType }]
        : [],
    )
    .map((p) => ({
      id: p.id,
      name: p.name,
      productCode: product.code,
      productName: product.name,
      eventType: p.eventType,
      usageType: p.usageType,
      volumeField: p.volumeField,
      sourceReferenceField: p.sourceReferenceField,
      billableDimensions: p.billableDimensions,
      pricing: p.pricing,
      description: p.description,
    }));
  const registry = await AssetRegistry.load(db, platform.id);
  const feeErrors: FieldError[] = [];
  const results = sample.map((e, i): SimulatedEvent => {
    try {
      const priced = calculateFees(e, rules, {
        asset: (code) => registry.get(code),
        fiatValue: (amount, asset) => fiatValue(amount, asset, platform.currency),
      });
      return priced.billed
        ? { id: e.id, billed: true, unbilled_reason: null, fees: priced.fees }
        : { id: e.id, billed: false, unbilled_reason: priced.reason, fees: [] };
    } catch (err) {
      if (!(err instanceof FeeOutOfRange)) throw err;
      feeErrors.push({ path: `events.${i}.${err.field}`, message: err.message });
      return { id: e.id, billed: false, unbilled_reason: err.message, fees: [] };
    }
  });
  if (feeErrors.length > 0) throw invalid(feeErrors);
  return results;
}

/** What a customer has used: its events and what they were charged, per asset. */
export interface CustomerStats {
  id: string;
  events: { total: number; billed: number; first_at: Date | null; last_at: Date | null };
  usage: { asset: string; amount: string }[];
}

/**
 * A customer's usage totals, from its events and its usage entries (a sum of exact `numeric`s, so exact). Credyt's
 * docs print no answer for `GET /customers/{id}/stats`; the collection's script reads only `id`.
 */
export async function customerStats(db: Database, platformId: string, customerId: string): Promise<CustomerStats> {
  const customer = await customerOf(db, platformId, customerId);
  const [counts, usage] = await Promise.all([
    db
      .select({
        total: count(),
        billed: sql<number>`count(*) filter (where ${events.billed} = 'billed')`.mapWith(Number),
        first: sql<string | null>`min(${events.occurredAt})`,
        last: sql<string | null>`max(${events.occurredAt})`,
      })
      .from(events)
      .where(and(eq(events.platformId, platformId), eq(events.customerId, customer.id))),
    db
      .select({ asset: entries.assetCode, amount: sql<string>`(-sum(${entries.amount}))::text` })
      .from(entries)
      .where(and(eq(entries.customerId, customer.id), sql`${entries.category} = 'usage'`))
      .groupBy(entries.assetCode)
      .orderBy(entries.assetCode),
  ]);
  const row = counts[0];
  return {
    id: customer.id,
    events: {
      total: row?.total ?? 0,
      billed: row?.billed ?? 0,
      first_at: row?.first ? new Date(row.first) : null,
      last_at: row?.last ? new Date(row.last) : null,
    },
    usage: usage.map((u) => ({ asset: u.asset, amount: toDecimalString(u.amount) })),
  };
}

/** Requests of a group whose event ids were already used with another body: each is rejected, the rest rewritten. */
class RejectedIngests extends Error {
  constructor(readonly failures: Map<number, ProblemError>) {
    super('some requests of the group reuse event ids with another body');
  }
}

const platformEventKey = (platformId: string, id: string) => `${platformId}\u0000${id}`;

/**
 * Writes prepared requests in the caller's transaction, as if one after another in the order given: each event
 * once (by platform and id; a replay with the same body is a duplicate), the new ones' fees debited to the wallet,
 * in a fixed number of statements for the whole group. A request reusing an id with another body throws
 * `RejectedIngests` before anything is debited, so the caller can roll back and write the rest without it.
 */
async function writeIngests(tx: Executor, ledger: Ledger, jobs: PreparedIngest[]): Promise<EventOutcome[][]> {
  const rows = jobs.flatMap((job) =>
    job.events.map((e, i) => {
      const outcome = job.outcomes[i]!;
      return {
        platformId: job.platform.id,
        id: e.id,
        customerId: job.customerId,
        eventType: e.event_type,
        occurredAt: new Date(e.occurred_at),
        subject: e.subject ?? null,
        description: e.description ?? null,
        data: e.data,
        requestHash: job.hashes[i]!,
        billed: outcome.billed ? ('billed' as const) : ('unbilled' as const),
        unbilledReason: outcome.billed ? null : outcome.reason,
        fees: outcome.billed ? outcome.fees : [],
      };
    }),
  );
  // Inserting in key order makes concurrent writers that share ids wait on each other instead of deadlocking.
  rows.sort((a, b) => {
    const [x, y] = [platformEventKey(a.platformId, a.id), platformEventKey(b.platformId, b.id)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const inserted = await tx.execute<{ platform_id: string; id: string }>(sql`
      insert into ${events} (platform_id, id, customer_id, event_type, occurred_at, subject, description, data, request_hash, billed,
        unbilled_reason, fees)
      select platform_id, id, customer_id, event_type, occurred_at, subject, description, data, request_hash, billed, unbilled_reason, fees
      from json_to_recordset(${JSON.stringify(rows.map(toEventRecord))}::json) as x(platform_id text, id text, customer_id text,
        event_type text, occurred_at timestamptz, subject text, description text, data jsonb, request_hash text, billed text,
        unbilled_reason text, fees jsonb)
      on conflict do nothing
      returning platform_id, id`);
  const created = new Set(resultRows<{ platform_id: string; id: string }>(inserted).map((r) => platformEventKey(r.platform_id, r.id)));

  // Each new event belongs to the first request of the group that sent it; to the others it is a repeat.
  const claimed = new Set<string>();
  const createdBy = jobs.map((job) => {
    const mine = new Set<string>();
    for (const e of job.events) {
      const key = platformEventKey(job.platform.id, e.id);
      if (created.has(key) && !claimed.has(key)) {
        claimed.add(key);
        mine.add(e.id);
      }
    }
    return mine;
  });
  const repeated = new Map<string, Set<string>>();
  jobs.forEach((job, j) => {
    for (const e of job.events) {
      if (createdBy[j]!.has(e.id)) continue;
      let ids = repeated.get(job.platform.id);
      if (!ids) repeated.set(job.platform.id, (ids = new Set()));
      ids.add(e.id);
    }
  });
  const earlier = repeated.size
    ? await tx
        .select()
        .from(events)
        .where(or(...[...repeated].map(([platformId, ids]) => and(eq(events.platformId, platformId), inArray(events.id, [...ids])))))
    : [];
  const earlierByKey = new Map(earlier.map((e) => [platformEventKey(e.platformId, e.id), e]));
  const failures = new Map<number, ProblemError>();
  jobs.forEach((job, j) => {
    const conflicts = job.events.flatMap((e, i) => {
      const previous = createdBy[j]!.has(e.id) ? undefined : earlierByKey.get(platformEventKey(job.platform.id, e.id));
      return previous && previous.requestHash !== job.hashes[i]
        ? [{ path: `events.${i}.id`, message: 'was already sent with a different body' }]
        : [];
    });
    if (conflicts.length > 0) failures.set(j, conflict('Some event ids were already used with a different body.', conflicts));
  });
  if (failures.size > 0) throw new RejectedIngests(failures);

  const writes = jobs.map((job, j) => {
    const drafts: EntryDraft[] = [];
    const charged = new Set<string>();
    job.events.forEach((e, i) => {
      const outcome = job.outcomes[i]!;
      if (!createdBy[j]!.has(e.id) || charged.has(e.id) || !outcome.billed) return;
      charged.add(e.id);
      for (const fee of outcome.fees) drafts.push(usageDraft(job.platform, e, fee));
    });
    return { platformId: job.platform.id, customerId: job.customerId, drafts };
  });
  await ledger.appendMany(tx, writes);
  await writeEventCosts(
    tx,
    jobs.flatMap((job, j) => {
      const written = new Set<string>();
      return job.events.flatMap((e, i) => {
        if (!createdBy[j]!.has(e.id) || written.has(e.id)) return [];
        written.add(e.id);
        const costs = job.costs[i]!;
        return costs.length
          ? [{ platformId: job.platform.id, eventId: e.id, customerId: job.customerId, occurredAt: e.occurred_at, costs }]
          : [];
      });
    }),
  );

  return jobs.map((job, j) => {
    const firstSeen = new Set<string>();
    return job.events.map((e, i) => {
      const isNew = createdBy[j]!.has(e.id) && !firstSeen.has(e.id);
      firstSeen.add(e.id);
      const previous = createdBy[j]!.has(e.id) ? undefined : earlierByKey.get(platformEventKey(job.platform.id, e.id));
      const outcome = job.outcomes[i]!;
      return {
        id: e.id,
        status: isNew ? ('created' as const) : ('duplicate' as const),
        billed: previous ? previous.billed === 'billed' : outcome.billed,
        unbilled_reason: previous ? previous.unbilledReason : outcome.billed ? null : outcome.reason,
        fees: previous ? previous.fees : outcome.billed ? outcome.fees : [],
      };
    });
  });
}

function usageDraft(platform: PlatformRow, e: EventInput, fee: FeeRecord): EntryDraft {
  return {
    assetCode: fee.asset,
    category: 'usage',
    description: `${fee.product_name}${e.subject ? ` · ${e.subject}` : ''}`,
    amount: negate(fee.amount),
    occurredAt: new Date(e.occurred_at),
    source: `event:${e.id}`,
    fiatAmount: fee.fiat_amount === null ? null : negate(fee.fiat_amount),
    fiatCurrency: platform.currency,
    eventId: e.id,
    productCode: fee.product_code,
    productName: fee.product_name,
    priceName: fee.price_name,
    feeDescription: fee.fee_description,
    subject: e.subject ?? null,
    eventDescription: e.description ?? null,
  };
}

/**
 * Writes a group of prepared requests in one transaction, each settled with its own outcome or error: a request
 * reusing an id with another body fails alone and the rest are rewritten without it; any other failure (a
 * balance past the ledger's range, a lost connection) splits the group in halves, rewritten apart, until the
 * request that fails is alone: it fails only its own.
 */
export async function commitIngests(db: Database, ledger: Ledger, jobs: PreparedIngest[]): Promise<Settled<EventOutcome[]>[]> {
  const results: Settled<EventOutcome[]>[] = [];
  let pending = jobs.map((_, i) => i);
  while (pending.length > 0) {
    const group = pending;
    try {
      const written = await transact(db, (tx) =>
        writeIngests(
          tx,
          ledger,
          group.map((i) => jobs[i]!),
        ),
      );
      group.forEach((i, k) => (results[i] = { ok: true, value: written[k]! }));
      return results;
    } catch (error) {
      if (error instanceof RejectedIngests) {
        for (const [k, problem] of error.failures) results[group[k]!] = { ok: false, error: problem };
        pending = group.filter((_, k) => !error.failures.has(k));
        continue;
      }
      if (group.length === 1) {
        results[group[0]!] = { ok: false, error };
        return results;
      }
      // Halves, each its own group, until the failing request is alone: log2(n) more transactions, not n.
      const half = Math.ceil(group.length / 2);
      for (const part of [group.slice(0, half), group.slice(half)]) {
        const settled = await commitIngests(
          db,
          ledger,
          part.map((i) => jobs[i]!),
        );
        part.forEach((i, k) => (results[i] = settled[k]!));
      }
      return results;
    }
  }
  return results;
}

/** One event of the platform, or a 404. */
export async function eventOf(db: Database, platformId: string, id: string): Promise<EventRow> {
  const [row] = await db
    .select()
    .from(events)
    .where(and(eq(events.platformId, platformId), eq(events.id, id)));
  if (!row) throw notFound('The event');
  return row;
}

/** A customer's events, newest first, `limit` per page. */
export async function listEvents(
  db: Database,
  platformId: string,
  query: PageRequest & { customer_id?: string | undefined },
): Promise<Page<EventRow>> {
  const customer = query.customer_id ? await customerOf(db, platformId, query.customer_id) : null;
  const where = and(eq(events.platformId, platformId), customer ? eq(events.customerId, customer.id) : undefined);
  const [rows, [total]] = await Promise.all([
    db.select().from(events).where(where).orderBy(desc(events.createdAt), desc(events.id)).limit(query.limit).offset(query.offset),
    db.select({ n: count() }).from(events).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

function toEventRecord(r: Omit<EventRow, 'createdAt'>) {
  return {
    platform_id: r.platformId,
    id: r.id,
    customer_id: r.customerId,
    event_type: r.eventType,
    occurred_at: r.occurredAt.toISOString(),
    subject: r.subject,
    description: r.description,
    data: r.data,
    request_hash: r.requestHash,
    billed: r.billed,
    unbilled_reason: r.unbilledReason,
    fees: r.fees,
  };
}

const negate = (amount: string) => toDecimalString(money(amount).negated());

/** The portal's usage filters. */
export type Filters = Pick<ReturnType<typeof UsageQuery.parse>, 'from' | 'to' | 'product' | 'asset'> & { tz: string };

/** Fees read to count events for the pager before it says "N+": a count costs the same at any history. */
const USAGE_COUNT_SCAN = 10_000;

/** The price behind a fee, as the event that incurred it recorded it, with the quantity it billed. */
export interface FeePrice {
  name: string;
  usage_type: UsageType;
  volume_field: string | null;
  pricing: PricingEntry[];
  description: string | null;
  /** `data[volume_field]` of the event, as exact text. */
  quantity: string | null;
}

export interface FeeRow {
  entry: EntryRow;
  at: string;
  key: string;
  price: FeePrice | null;
}

/** An event's ledger entries share its id; usage written without an event stands alone under the entry's id. */
const eventKey = sql<string>`coalesce(${entries.eventId}, ${entries.id})`;

/**
 * The price a fee was charged under: the event's stored fees name it (`price_id`), matched to the entry by price
 * name and asset. Prices are never edited, so this is the price as it was. One primary-key lookup per fee.
 */
const feePrice = sql<FeePrice | null>`(
  select json_build_object('name', p.name, 'usage_type', p.usage_type, 'volume_field', p.volume_field, 'pricing', p.pricing,
    'description', p.description, 'quantity', ${events.data} ->> p.volume_field)
  from jsonb_array_elements(${events.fees}) as f(fee) join ${prices} p on p.id = f.fee ->> 'price_id'
  where f.fee ->> 'price_name' = ${entries.priceName} and f.fee ->> 'asset' = ${entries.assetCode}
  limit 1)`;

function conditions(customerId: string, filters: Filters): (SQL | undefined)[] {
  // The category is a literal, not a parameter, so even a generic plan can use the partial usage index.
  const where: (SQL | undefined)[] = [eq(entries.customerId, customerId), sql`${entries.category} = 'usage'`];
  if (filters.from) where.push(gte(entries.occurredAt, startOfLocalDate(filters.from, filters.tz)));
  if (filters.to) where.push(lt(entries.occurredAt, endOfLocalDate(filters.to, filters.tz)));
  if (filters.product) where.push(eq(entries.productCode, filters.product));
  if (filters.asset) where.push(eq(entries.assetCode, filters.asset));
  return where;
}

/** Fee rows newest first along the usage index, with their event's data and price joined by primary key. */
function feeRows(db: Database, customerId: string, filters: Filters, after: EventPosition | null, from: Position | null, limit: number) {
  const where = conditions(customerId, filters);
  if (after) where.push(beforeEvent(entries.occurredAt, eventKey, after));
  if (from) where.push(before(entries.occurredAt, entries.seq, from));
  return db
    .select({ entry: entries, at: exactInstant(entries.occurredAt), key: eventKey, price: feePrice })
    .from(entries)
    .leftJoin(events, and(eq(events.platformId, entries.platformId), eq(events.id, entries.eventId)))
    .where(and(...where))
    .orderBy(...newestFirst(entries.occurredAt, entries.seq))
    .limit(limit);
}

/**
 * The first `limit` events after `after`, each with all its fees, and whether more follow. Fee rows are read in
 * index order in growing batches; an event is whole once the scan has passed its instant (its fees share it).
 */
export async function eventPage(db: Database, customerId: string, filters: Filters, after: EventPosition | null, limit: number) {
  const rows: FeeRow[] = [];
  let batch = (limit + 1) * 3;
  let exhausted = false;
  for (let round = 0; round < 8; round += 1) {
    const last = rows[rows.length - 1];
    const read = await feeRows(db, customerId, filters, after, last ? { at: last.at, seq: last.entry.seq } : null, batch);
    rows.push(...read);
    exhausted = read.length < batch;
    if (exhausted || wholeEvents(rows, false).length > limit) break;
    batch *= 2;
  }
  const whole = wholeEvents(rows, exhausted);
  return { events: whole.slice(0, limit), more: whole.length > limit || !exhausted };
}

/** Fee rows grouped into events, ordered (at desc, key desc); without `all`, only those whose instant the scan has left. */
function wholeEvents(rows: FeeRow[], all: boolean): FeeRow[][] {
  const lastAt = rows[rows.length - 1]?.at;
  const byKey = new Map<string, FeeRow[]>();
  for (const row of rows) {
    if (!all && row.at === lastAt) continue;
    const group = byKey.get(`${row.at}\u0000${row.key}`);
    if (group) group.push(row);
    else byKey.set(`${row.at}\u0000${row.key}`, [row]);
  }
  return [...byKey.values()]
    .map((fees) => fees.sort((a, b) => a.entry.seq - b.entry.seq))
    .sort((a, b) => {
      const [x, y] = [a[0]!, b[0]!];
      return x.at === y.at ? (x.key < y.key ? 1 : x.key > y.key ? -1 : 0) : x.at < y.at ? 1 : -1;
    });
}

/** The events matching the filters, counted among the newest USAGE_COUNT_SCAN fees. */
export async function countEvents(db: Database, customerId: string, filters: Filters): Promise<ListTotal> {
  const newest = db
    .select({ key: eventKey.as('key') })
    .from(entries)
    .where(and(...conditions(customerId, filters)))
    .orderBy(...newestFirst(entries.occurredAt, entries.seq))
    .limit(USAGE_COUNT_SCAN + 1)
    .as('newest');
  const [row] = await db.select({ fees: sql<number>`count(*)::int`, events: sql<number>`count(distinct ${newest.key})::int` }).from(newest);
  const more = Number(row?.fees ?? 0) > USAGE_COUNT_SCAN;
  // Past the scan the last event read may be one more than the scan holds: the count stays a lower bound.
  return { count: Math.min(Number(row?.events ?? 0), USAGE_COUNT_SCAN), more };
}
