// Transactions: the customer's ledger entries as the portal lists, groups, counts and exports them (newest first,
// by when they happened, keyset-paged). Reads `entries`; writes nothing.
import { and, eq, gte, inArray, lt, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { z } from 'zod';
import { CATEGORIES, toDecimalString, TransactionsQuery, type Category, type ListTotal, type Transaction } from '@credyt/shared';
import { resultRows, type Database } from '../db/client.ts';
import { entries } from '../db/schema/index.ts';
import type { EntryRow } from '../wallet/ledger.ts';
import { presentTransaction } from './presenters.ts';
import { before, comparePositions, exactInstant, newestFirst, type Position } from '../http/cursor.ts';
import { addDays, daysBetween, endOfLocalDate, localDate, monthBounds, startOfLocalDate } from '../time.ts';

export type Filters = Pick<z.infer<typeof TransactionsQuery>, 'month' | 'asset' | 'category'> & { tz: string };

/** Rows fetched per round trip of the CSV export: memory stays flat whatever the history. */
export const CSV_BATCH = 1000;
/**
 * Entries counted for the pager before it says "10,000+", and usage entries read to count the grouped rows they
 * make: a count costs the same at any history. (The widget asks for it beside the page, so the page never waits.)
 */
export const COUNT_CAP = 10_000;

const OTHER_CATEGORIES = CATEGORIES.filter((c) => c !== 'usage');

/**
 * The portal lists entries by when they happened (`occurred_at`): usage when its event occurred (it may be reported
 * late), an adjustment when the platform says it happened (default: when it was booked). It leads each index.
 */
const happened = entries.occurredAt;

/** A category as a literal: a generic plan still matches the partial usage index. */
const isCategory = (category: Category) => sql`${entries.category} = ${sql.raw(`'${category}'`)}`;

function categoryConditions(customerId: string, category: Category, filters: Filters): (SQL | undefined)[] {
  const at = happened;
  const where: (SQL | undefined)[] = [eq(entries.customerId, customerId), isCategory(category)];
  if (filters.asset) where.push(eq(entries.assetCode, filters.asset));
  if (filters.month) {
    const [start, end] = monthBounds(filters.month, filters.tz);
    where.push(gte(at, start), lt(at, end));
  }
  return where;
}

/** One category's entries after `after`, newest first, along its own index. */
function categoryBranch(db: Database, customerId: string, category: Category, filters: Filters, after: Position | null, limit: number) {
  const at = happened;
  const where = categoryConditions(customerId, category, filters);
  if (after) where.push(before(at, entries.seq, after));
  return db
    .select({ seq: entries.seq, at: sql`${at}`.as('at') })
    .from(entries)
    .where(and(...where))
    .orderBy(...newestFirst(at, entries.seq))
    .limit(limit);
}

/**
 * One newest-first page of entries of these categories. Each category is a range of its own index
 * (`(customer_id, category, occurred_at desc, seq desc)`, or the partial usage index); PostgreSQL merges
 * the ranges (Merge Append), so a page reads about `limit` index rows at any history.
 */
export async function entryPage(
  db: Database,
  customerId: string,
  categories: readonly Category[],
  filters: Filters,
  after: Position | null,
  limit: number,
) {
  const branches = categories.map((category) => sql`(${categoryBranch(db, customerId, category, filters, after, limit)})`);
  const merged = sql`select u.seq from (${sql.join(branches, sql` union all `)}) u order by u.at desc nulls last, u.seq desc nulls last limit ${limit}`;
  return db
    .select({ entry: entries, at: exactInstant(happened) })
    .from(entries)
    .where(sql`${entries.seq} in (${merged})`)
    .orderBy(...newestFirst(happened, entries.seq));
}

export const categoriesOf = (filters: Filters): readonly Category[] => (filters.category ? [filters.category] : CATEGORIES);

export const positionOf = (row: { entry: EntryRow; at: string } | undefined): Position | null =>
  row ? { at: row.at, seq: row.entry.seq } : null;

/** A day's usage of one product in one asset, as the grouped view sums it. */
interface UsageGroupRow {
  day: string;
  productCode: string | null;
  productName: string | null;
  assetCode: string;
  count: number;
  amount: string;
  fiatAmount: string | null;
  firstAt: string;
  lastAt: string;
  /** The newest entry's seq: with `lastAt`, the group's place in the list. */
  seq: number;
}

function usageConditions(customerId: string, filters: Filters): (SQL | undefined)[] {
  return categoryConditions(customerId, 'usage', filters);
}

/** The instant of the newest usage entry before `end` (or at all), along the usage index. */
async function newestUsageBefore(db: Database, customerId: string, filters: Filters, end: SQLWrapper | Position | null) {
  const where = usageConditions(customerId, filters);
  if (end && 'seq' in end) where.push(before(entries.occurredAt, entries.seq, end));
  else if (end) where.push(lt(entries.occurredAt, end));
  const [row] = await db
    .select({ at: exactInstant(entries.occurredAt) })
    .from(entries)
    .where(and(...where))
    .orderBy(...newestFirst(entries.occurredAt, entries.seq))
    .limit(1);
  return row?.at ?? null;
}

/** Usage summed per local day, product and asset over the days `first`…`last` (one index range). */
async function sumUsage(db: Database, customerId: string, filters: Filters, first: string, last: string): Promise<UsageGroupRow[]> {
  const where = usageConditions(customerId, filters);
  where.push(gte(entries.occurredAt, startOfLocalDate(first, filters.tz)), lt(entries.occurredAt, endOfLocalDate(last, filters.tz)));
  const rows = await db
    .select({
      day: sql<string>`((${entries.occurredAt} at time zone ${filters.tz}::text)::date)::text`,
      productCode: entries.productCode,
      assetCode: entries.assetCode,
      productName: sql<string | null>`max(${entries.productName})`,
      count: sql<number>`count(distinct coalesce(${entries.eventId}, ${entries.id}))::int`,
      amount: sql<string>`sum(${entries.amount})::text`,
      fiatAmount: sql<string | null>`case when count(${entries.fiatAmount}) = count(*) then sum(${entries.fiatAmount})::text end`,
      firstAt: exactInstant(sql`min(${entries.occurredAt})`),
      lastAt: exactInstant(sql`max(${entries.occurredAt})`),
      seq: sql<string>`max(${entries.seq})::text`,
    })
    .from(entries)
    .where(and(...where))
    .groupBy(sql`1`, sql`2`, sql`3`);
  return rows.map((r) => ({ ...r, count: Number(r.count), seq: Number(r.seq) }));
}

/**
 * The usage groups after `after`, newest first, enough for a page: whole days are summed, newest first, in
 * windows that double (one index range each) until `needed` groups are found or the groups left would fall
 * below `floor` (the last other entry the page can show).
 */
async function usageGroups(
  db: Database,
  customerId: string,
  filters: Filters,
  after: Position | null,
  needed: number,
  floor: Position | null,
): Promise<UsageGroupRow[]> {
  const found: UsageGroupRow[] = [];
  let newest = await newestUsageBefore(db, customerId, filters, after);
  const floorDay = floor ? localDate(new Date(floor.at), filters.tz) : null;
  // With a floor, the days down to it are all the page can show: one window. Without, windows double.
  let width = newest && floorDay ? Math.max(1, daysBetween(floorDay, localDate(new Date(newest), filters.tz)) + 1) : 1;
  for (; newest !== null; width *= 2) {
    const last = localDate(new Date(newest), filters.tz);
    const first = addDays(last, 1 - width);
    for (const group of await sumUsage(db, customerId, filters, first, last)) {
      if (!after || comparePositions({ at: group.lastAt, seq: group.seq }, after) < 0) found.push(group);
    }
    if (found.length >= needed) break;
    if (floorDay && floorDay >= first) break;
    newest = await newestUsageBefore(db, customerId, filters, startOfLocalDate(first, filters.tz));
  }
  return found.sort((a, b) => -comparePositions({ at: a.lastAt, seq: a.seq }, { at: b.lastAt, seq: b.seq }));
}

type Row = { position: Position; entry: { entry: EntryRow; at: string } } | { position: Position; group: UsageGroupRow };

/** The grouped view: usage summed per day, product and asset, every other entry as it is, newest first. */
export async function groupedPage(db: Database, customerId: string, filters: Filters, after: Position | null, limit: number) {
  const needed = limit + 1;
  const others = filters.category ? OTHER_CATEGORIES.filter((c) => c === filters.category) : OTHER_CATEGORIES;
  const singles = others.length > 0 ? await entryPage(db, customerId, others, filters, after, needed) : [];
  const floor = singles.length === needed ? positionOf(singles[limit]) : null;
  const groups = !filters.category || filters.category === 'usage' ? await usageGroups(db, customerId, filters, after, needed, floor) : [];
  const rows: Row[] = [
    ...singles.map((entry) => ({ position: { at: entry.at, seq: entry.entry.seq }, entry })),
    ...groups.map((group) => ({ position: { at: group.lastAt, seq: group.seq }, group })),
  ].sort((a, b) => -comparePositions(a.position, b.position));
  const shown = rows.slice(0, limit);
  const newestOfGroups = shown.flatMap((r) => ('group' in r ? [r.group.seq] : []));
  const newest = new Map(
    newestOfGroups.length > 0
      ? (
          await db
            .select({ seq: entries.seq, balanceAfter: entries.balanceAfter, createdAt: entries.createdAt })
            .from(entries)
            .where(and(eq(entries.customerId, customerId), inArray(entries.seq, newestOfGroups)))
        ).map((e) => [e.seq, e])
      : [],
  );
  const items = shown.map((r): Transaction => {
    if ('entry' in r) return presentTransaction(r.entry.entry);
    const g = r.group;
    const last = newest.get(g.seq);
    return {
      id: `usage:${g.day}:${g.assetCode}:${g.productCode ?? ''}`,
      created_at: (last?.createdAt ?? new Date(g.lastAt)).toISOString(),
      occurred_at: new Date(g.lastAt).toISOString(),
      category: 'usage',
      description: g.productName ?? g.productCode ?? '',
      amount: toDecimalString(g.amount),
      asset: g.assetCode,
      balance_after: toDecimalString(last?.balanceAfter ?? '0'),
      receipt_url: null,
      product: g.productCode ? { code: g.productCode, name: g.productName ?? g.productCode } : null,
      group: { day: g.day, count: g.count, first_at: new Date(g.firstAt).toISOString(), last_at: new Date(g.lastAt).toISOString() },
    };
  });
  const next = rows.length > limit ? shown[shown.length - 1]?.position : null;
  return { items, next: next ?? null };
}

/**
 * Matching entries of these categories, counted up to `cap`: one statement reading each category's index range in
 * turn, which stops as soon as `cap + 1` rows are found.
 */
export async function countEntries(
  db: Database,
  customerId: string,
  categories: readonly Category[],
  filters: Filters,
  cap: number,
): Promise<ListTotal> {
  const branches = categories.map(
    (category) =>
      sql`(${db
        .select({ one: sql`1`.as('one') })
        .from(entries)
        .where(and(...categoryConditions(customerId, category, filters)))})`,
  );
  const result = await db.execute(
    sql`select count(*)::int as n from (select 1 from (${sql.join(branches, sql` union all `)}) u limit ${cap + 1}) capped`,
  );
  const count = Number(resultRows<{ n: number | string }>(result)[0]?.n ?? 0);
  return { count: Math.min(count, cap), more: count > cap };
}

/** The grouped view's rows: other entries (up to the cap) and the groups among the newest COUNT_CAP usage entries. */
export async function countGrouped(db: Database, customerId: string, filters: Filters): Promise<ListTotal> {
  const others = filters.category ? OTHER_CATEGORIES.filter((c) => c === filters.category) : OTHER_CATEGORIES;
  const singles = others.length > 0 ? await countEntries(db, customerId, others, filters, COUNT_CAP) : { count: 0, more: false };
  if (filters.category && filters.category !== 'usage') return singles;
  const newest = db
    .select({
      day: sql`((${entries.occurredAt} at time zone ${filters.tz}::text)::date)`.as('day'),
      product: entries.productCode,
      asset: entries.assetCode,
    })
    .from(entries)
    .where(and(...usageConditions(customerId, filters)))
    .orderBy(...newestFirst(entries.occurredAt, entries.seq))
    .limit(COUNT_CAP + 1)
    .as('newest');
  const [row] = await db
    .select({
      entries: sql<number>`count(*)::int`,
      groups: sql<number>`count(distinct (${newest.day}, ${newest.product}, ${newest.asset}))::int`,
    })
    .from(newest);
  return { count: singles.count + Number(row?.groups ?? 0), more: singles.more || Number(row?.entries ?? 0) > COUNT_CAP };
}
