import { and, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import {
  DECIMAL_PATTERN,
  formatAmount,
  money,
  toDecimalString,
  toLedgerScale,
  UsageQuery,
  type ListTotal,
  type UsageFee,
  type UsageItem,
  type UsagePage,
  type UsageQuantity,
  type UsageRate,
  type UsageTotal,
} from '@credyt/shared';
import { AssetRegistry } from '../catalog/registry.ts';
import type { Database } from '../db/client.ts';
import { entries, events, prices } from '../db/schema/index.ts';
import { invalid } from '../http/problem.ts';
import { createRouter } from '../http/router.ts';
import type { EntryRow } from '../wallet/ledger.ts';
import type { PriceValue, PricingEntry } from '../pricing/types.ts';
import type { PortalEnv } from '../sessions/context.ts';
import {
  before,
  beforeEvent,
  decodeEventCursor,
  encodeEventCursor,
  exactInstant,
  newestFirst,
  type EventPosition,
  type Position,
} from '../http/cursor.ts';
import { endOfLocalDate, startOfLocalDate, TimeZoneParam } from '../time.ts';
import { validQuery } from '../http/validate.ts';

const Query = UsageQuery.extend({ tz: TimeZoneParam });
type Filters = Pick<ReturnType<typeof Query.parse>, 'from' | 'to' | 'product' | 'asset' | 'tz'>;

/** Fees read to count events for the pager before it says "N+": a count costs the same at any history. */
export const USAGE_COUNT_SCAN = 10_000;

const negate = (amount: string) => toDecimalString(money(amount).negated());

/** The price behind a fee, as the event that incurred it recorded it, with the quantity it billed. */
interface FeePrice {
  name: string;
  usage_type: 'unit' | 'volume';
  volume_field: string | null;
  pricing: PricingEntry[];
  description: string | null;
  /** `data[volume_field]` of the event, as exact text. */
  quantity: string | null;
}

interface FeeRow {
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
async function eventPage(db: Database, customerId: string, filters: Filters, after: EventPosition | null, limit: number) {
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
async function countEvents(db: Database, customerId: string, filters: Filters): Promise<ListTotal> {
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

const plural = (unit: string) => unit.replace(/[_-]+/g, ' ').trim();

/** "input_tokens" → "input tokens", and "input token" when there is one. */
export function unitWords(unit: string, one: boolean): string {
  const words = plural(unit);
  return one && /[^s]s$/i.test(words) ? words.slice(0, -1) : words;
}

/** 1000000 → "1M"; a size that is no whole number stays as it is. */
function compactCount(value: string): string {
  if (!/^\d+$/.test(value)) return value;
  return new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 3 }).format(value as unknown as number);
}

/** "$2.50 per 1M input tokens", "$0.50 per event": how a price reads in English (the widget words it in the reader's language). */
export function describeRate(rate: UsageRate, asset: Parameters<typeof formatAmount>[1]): string {
  const amount = formatAmount(rate.amount, asset, 'en', { exact: true });
  if (rate.unit === null) return `${amount} per event`;
  if (rate.per === '1') return `${amount} per ${unitWords(rate.unit, true)}`;
  return `${amount} per ${compactCount(rate.per)} ${unitWords(rate.unit, false)}`;
}

/**
 * The price value a fee was computed at: among the values for its asset, the one its price name names
 * (`rule · value`) whose fee, recomputed, is the amount charged. Null when the platform wrote its own description.
 */
export function rateOf(entry: EntryRow, price: FeePrice | null): UsageRate | null {
  if (!price || price.description) return null;
  const charged = negate(entry.amount);
  const leaves = price.pricing
    .filter((p) => p.asset === entry.assetCode)
    .flatMap((p) => p.values.flatMap((v): PriceValue[] => ('dimensions' in v ? v.values : [v])))
    .filter((leaf) => (leaf.name ? `${price.name} · ${leaf.name}` : price.name) === entry.priceName);
  const fee = (leaf: PriceValue) => {
    if (leaf.unit_price !== undefined) return toDecimalString(leaf.unit_price);
    if (price.quantity === null || !DECIMAL_PATTERN.test(price.quantity)) return null;
    return toDecimalString(
      toLedgerScale(
        money(leaf.volume_rate ?? '0')
          .times(price.quantity)
          .dividedBy(leaf.package_size ?? '1'),
      ),
    );
  };
  const leaf = leaves.find((l) => fee(l) === charged) ?? leaves[0];
  if (!leaf) return null;
  if (leaf.unit_price !== undefined) return { amount: toDecimalString(leaf.unit_price), per: '1', unit: null };
  if (!price.volume_field) return null;
  return { amount: toDecimalString(leaf.volume_rate ?? '0'), per: toDecimalString(leaf.package_size ?? '1'), unit: price.volume_field };
}

function presentFee(row: FeeRow, registry: AssetRegistry | null): UsageFee {
  const e = row.entry;
  const rate = rateOf(e, row.price);
  const asset = registry?.find(e.assetCode);
  return {
    id: e.id,
    product: { code: e.productCode ?? '', name: e.productName ?? e.productCode ?? '' },
    price_name: e.priceName ?? '',
    fee_description: rate && asset ? describeRate(rate, asset) : (e.feeDescription ?? ''),
    rate,
    amount: negate(e.amount),
    asset: e.assetCode,
    fiat_amount: e.fiatAmount === null ? null : negate(e.fiatAmount),
  };
}

/** What the event cost in each asset, in the order its fees were charged. */
function totalsOf(fees: UsageFee[]): UsageTotal[] {
  const totals = new Map<string, { amount: ReturnType<typeof money>; fiat: ReturnType<typeof money> | null }>();
  for (const fee of fees) {
    const total = totals.get(fee.asset) ?? { amount: money(0), fiat: money(0) };
    total.amount = total.amount.plus(fee.amount);
    total.fiat = total.fiat === null || fee.fiat_amount === null ? null : total.fiat.plus(fee.fiat_amount);
    totals.set(fee.asset, total);
  }
  return [...totals].map(([asset, t]) => ({
    asset,
    amount: toDecimalString(t.amount),
    fiat_amount: t.fiat === null ? null : toDecimalString(t.fiat),
  }));
}

/** The volumes the event was billed on, once each ("input_tokens 1234", "output_tokens 567"). */
function quantitiesOf(rows: FeeRow[]): UsageQuantity[] {
  const seen = new Map<string, string>();
  for (const { price } of rows) {
    if (price?.usage_type !== 'volume' || !price.volume_field || price.quantity === null) continue;
    if (!DECIMAL_PATTERN.test(price.quantity) || seen.has(price.volume_field)) continue;
    seen.set(price.volume_field, toDecimalString(price.quantity));
  }
  return [...seen].map(([unit, quantity]) => ({ unit, quantity }));
}

/** One usage event as the customer reads it: what it cost (positive), its fees and the quantities billed. */
function presentEvent(rows: FeeRow[], registry: AssetRegistry | null): UsageItem {
  const first = rows[0]!.entry;
  const fees = rows.map((row) => presentFee(row, registry));
  const totals = totalsOf(fees);
  const [main] = totals;
  return {
    id: first.eventId ?? first.id,
    occurred_at: first.occurredAt.toISOString(),
    product: fees[0]!.product,
    subject: first.subject,
    description: first.eventDescription,
    fee_description: [...new Set(fees.map((f) => f.fee_description))].join(' · '),
    amount: main!.amount,
    asset: main!.asset,
    fiat_amount: main!.fiat_amount,
    fees,
    quantities: quantitiesOf(rows),
    totals,
  };
}

/** A usage entry pushed live (`usage.created`): its event with this one fee; the reader merges fees by event id. */
export function presentUsage(e: EntryRow): UsageItem {
  return presentEvent([{ entry: e, at: '', key: e.eventId ?? e.id, price: null }], null);
}

export function usageRoutes(db: Database) {
  return createRouter<PortalEnv>().get('/usage', validQuery(Query), async (c) => {
    const { customerId, platform } = c.get('portal');
    const query = c.req.valid('query');
    if (query.from && query.to && query.from > query.to) throw invalid([{ path: 'from', message: 'must not be after to' }]);
    const after = query.cursor ? decodeEventCursor(query.cursor) : null;
    const [page, registry, total] = await Promise.all([
      eventPage(db, customerId, query, after, query.limit),
      AssetRegistry.load(db, platform.id),
      query.total ? countEvents(db, customerId, query) : undefined,
    ]);
    const last = page.events[page.events.length - 1]?.[0];
    const body: UsagePage = {
      items: page.events.map((rows) => presentEvent(rows, registry)),
      next_cursor: page.more && last ? encodeEventCursor({ at: last.at, key: last.key }) : null,
      ...(total ? { total } : {}),
    };
    return c.json(body);
  });
}
