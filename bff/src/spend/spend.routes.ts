import { and, eq, gte, inArray, lt, lte, sql, type Column, type SQL } from 'drizzle-orm';
import { money, SpendQuery, toDecimalString, type PortalSpend, type SpendInterval } from '@credyt/shared';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { accounts, spendDaily, spendRollup } from '../db/schema/index.ts';
import { invalid } from '../http/problem.ts';
import { createRouter } from '../http/router.ts';
import type { PortalEnv } from '../sessions/context.ts';
import { addDays, addMonths, endOfLocalDate, localDate, mondayOf, startOfLocalDate, TimeZoneParam } from '../time.ts';
import { validQuery } from '../http/validate.ts';

const Query = SpendQuery.extend({ tz: TimeZoneParam });

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Etc/UCT', 'UCT', 'Universal', 'Zulu']);

/** At most this many points per series: a chart, not an export. Ten years of months, two of days, 41 days of hours. */
export const MAX_POINTS = 1000;

const HOUR_MS = 3_600_000;

/** The periods between two local dates, labelled as PostgreSQL's `date_trunc` in that zone labels them. */
export function periods(from: string, to: string, interval: Exclude<SpendInterval, 'hour'>): string[] {
  const out: string[] = [];
  if (interval === 'month') {
    for (let m = from.slice(0, 7); m <= to.slice(0, 7) && out.length <= MAX_POINTS; m = addMonths(m, 1)) out.push(m);
  } else {
    const step = interval === 'week' ? 7 : 1;
    const first = interval === 'week' ? mondayOf(from) : from;
    for (let d = first; d <= to && out.length <= MAX_POINTS; d = addDays(d, step)) out.push(d);
  }
  return out;
}

/**
 * The hours from the start of `from` to the end of `to` in `tz`: the rollup's UTC hours, each labelled with its local
 * wall time and offset (`2025-10-26T02:00+01:00`), so a DST change neither merges nor drops an hour, and in a zone
 * half an hour off UTC the buckets read as what they are (`00:30+05:30`). Stops past MAX_POINTS.
 */
export function hourPeriods(from: string, to: string, tz: string): Array<{ start: number; period: string }> {
  const end = startOfDay(addDays(to, 1), tz);
  const out: Array<{ start: number; period: string }> = [];
  for (let h = Math.ceil(startOfDay(from, tz) / HOUR_MS) * HOUR_MS; h < end && out.length <= MAX_POINTS; h += HOUR_MS) {
    const offset = Math.round(offsetAt(h, tz) / 60_000);
    const size = Math.abs(offset);
    const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(size / 60))}:${pad(size % 60)}`;
    out.push({ start: h, period: `${new Date(h + offset * 60_000).toISOString().slice(0, 16)}${zone}` });
  }
  return out;
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** How far `tz`'s wall clock is ahead of UTC at an instant, in milliseconds. */
function offsetAt(instant: number, tz: string): number {
  let format = wallClocks.get(tz);
  if (!format) {
    const two = '2-digit';
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: two,
      day: two,
      hour: two,
      minute: two,
      second: two,
    });
    wallClocks.set(tz, format);
  }
  const part = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, Number(p.value)]));
  const wall = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant a local date starts in `tz` (the second guess settles a DST change between UTC and local midnight). */
function startOfDay(date: string, tz: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  return wall - offsetAt(wall - offsetAt(wall, tz), tz);
}

const pad = (n: number) => String(n).padStart(2, '0');

function defaultFrom(to: string, interval: SpendInterval): string {
  if (interval === 'hour') return addDays(to, -1);
  if (interval === 'day') return addDays(to, -29);
  if (interval === 'week') return addDays(mondayOf(to), -11 * 7);
  return `${addMonths(to.slice(0, 7), -11)}-01`;
}

export function spendRoutes(db: Database, clock: Clock) {
  return createRouter<PortalEnv>().get('/spend', validQuery(Query), async (c) => {
    const { customerId, platform } = c.get('portal');
    const { interval, tz, asset } = c.req.valid('query');
    const to = c.req.valid('query').to ?? localDate(clock.now(), tz);
    const from = c.req.valid('query').from ?? defaultFrom(to, interval);
    if (from > to) throw invalid([{ path: 'from', message: 'must not be after to' }]);
    const hours = interval === 'hour' ? hourPeriods(from, to, tz) : [];
    const labels = interval === 'hour' ? hours.map((h) => h.period) : periods(from, to, interval);
    if (labels.length > MAX_POINTS)
      throw invalid([{ path: 'interval', message: `the range has more than ${MAX_POINTS} periods; choose a longer interval` }]);

    const ownedAssets = db.select({ code: accounts.assetCode }).from(accounts).where(eq(accounts.customerId, customerId));
    const assetFilter = (column: Column) => (asset ? eq(column, asset) : inArray(column, ownedAssets));
    const [sums, owned] = await Promise.all([
      interval === 'hour'
        ? hourlySums(db, customerId, assetFilter, hours)
        : periodSums(db, customerId, assetFilter, { from, to, tz, interval }),
      db
        .selectDistinct({ asset: accounts.assetCode })
        .from(accounts)
        .where(and(eq(accounts.customerId, customerId), asset ? eq(accounts.assetCode, asset) : undefined)),
    ]);

    // A series per asset the customer holds (usage always lands on an account, so every sum has one).
    const byAsset = new Map<string, Map<string, { amount: string; fiat: string }>>();
    for (const { asset: code } of owned) byAsset.set(code, new Map());
    for (const s of sums) {
      const points = byAsset.get(s.asset) ?? new Map();
      points.set(s.period, { amount: s.amount, fiat: s.fiat });
      byAsset.set(s.asset, points);
    }
    const body: PortalSpend = {
      currency: platform.currency,
      series: [...byAsset.keys()].sort().map((code) => {
        const points = byAsset.get(code)!;
        return {
          asset: code,
          points: labels.map((period) => {
            const p = points.get(period);
            return { period, amount: toDecimalString(money(p?.amount ?? 0)), fiat_amount: toDecimalString(money(p?.fiat ?? 0)) };
          }),
        };
      }),
    };
    return c.json(body);
  });
}

interface PeriodSum {
  asset: string;
  period: string;
  amount: string;
  fiat: string;
}

/** The rollup's own rows, one per asset and UTC hour, under the labels of `hourPeriods`: nothing to add up here. */
async function hourlySums(
  db: Database,
  customerId: string,
  assetFilter: (column: Column) => SQL,
  hours: Array<{ start: number; period: string }>,
): Promise<PeriodSum[]> {
  if (hours.length === 0) return [];
  const label = new Map(hours.map((h) => [h.start, h.period]));
  const rows = await db
    .select({ asset: spendRollup.assetCode, hour: spendRollup.hour, amount: spendRollup.amount, fiat: spendRollup.fiatAmount })
    .from(spendRollup)
    .where(
      and(
        eq(spendRollup.customerId, customerId),
        assetFilter(spendRollup.assetCode),
        gte(spendRollup.hour, new Date(hours[0]!.start)),
        lt(spendRollup.hour, new Date(hours.at(-1)!.start + HOUR_MS)),
      ),
    );
  return rows.map((r) => ({ asset: r.asset, period: label.get(r.hour.getTime())!, amount: r.amount, fiat: r.fiat }));
}

/**
 * Days, weeks or months: in UTC a bucket is made of whole days, read from the daily rollup (a row a day); in any
 * other zone the hourly rollup is summed into the caller's local periods. Grouped by position, as the expressions
 * carry parameters PostgreSQL cannot match between SELECT and GROUP BY.
 */
async function periodSums(
  db: Database,
  customerId: string,
  assetFilter: (column: Column) => SQL,
  range: { from: string; to: string; tz: string; interval: Exclude<SpendInterval, 'hour'> },
): Promise<PeriodSum[]> {
  const { from, to, tz, interval } = range;
  const rows = UTC_ZONES.has(tz)
    ? await db
        .select({
          asset: spendDaily.assetCode,
          period: sql<string>`(date_trunc(${interval}::text, ${spendDaily.day}::timestamp))::date::text`,
          amount: sql<string>`sum(${spendDaily.amount})`,
          fiat: sql<string>`sum(${spendDaily.fiatAmount})`,
        })
        .from(spendDaily)
        .where(
          and(eq(spendDaily.customerId, customerId), assetFilter(spendDaily.assetCode), gte(spendDaily.day, from), lte(spendDaily.day, to)),
        )
        .groupBy(sql`1`, sql`2`)
    : await db
        .select({
          asset: spendRollup.assetCode,
          // A date cast is far cheaper than to_char per row; months are cut to YYYY-MM below.
          period: sql<string>`(date_trunc(${interval}::text, ${spendRollup.hour} at time zone ${tz}::text))::date::text`,
          amount: sql<string>`sum(${spendRollup.amount})`,
          fiat: sql<string>`sum(${spendRollup.fiatAmount})`,
        })
        .from(spendRollup)
        .where(
          and(
            eq(spendRollup.customerId, customerId),
            assetFilter(spendRollup.assetCode),
            gte(spendRollup.hour, startOfLocalDate(from, tz)),
            lt(spendRollup.hour, endOfLocalDate(to, tz)),
          ),
        )
        .groupBy(sql`1`, sql`2`);
  return interval === 'month' ? rows.map((r) => ({ ...r, period: r.period.slice(0, 7) })) : rows;
}
