import { and, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import { money, SpendQuery, toDecimalString, type PortalSpend, type SpendInterval } from '@credyt/shared';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { accounts, spendDaily, spendRollup } from '../db/schema/index.ts';
import { invalid } from '../http/problem.ts';
import { createRouter } from '../http/router.ts';
import type { PortalEnv } from './context.ts';
import { addDays, addMonths, endOfLocalDate, localDate, mondayOf, startOfLocalDate, TimeZoneParam } from './time.ts';
import { validQuery } from './validate.ts';

const Query = SpendQuery.extend({ tz: TimeZoneParam });

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Etc/UCT', 'UCT', 'Universal', 'Zulu']);

/** At most this many points per series: a chart, not an export. Ten years of months, or two of days. */
export const MAX_POINTS = 1000;

/** The periods between two local dates, labelled as PostgreSQL's `date_trunc` in that zone labels them. */
export function periods(from: string, to: string, interval: SpendInterval): string[] {
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

function defaultFrom(to: string, interval: SpendInterval): string {
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
    const labels = periods(from, to, interval);
    if (labels.length > MAX_POINTS)
      throw invalid([{ path: 'interval', message: `the range has more than ${MAX_POINTS} periods; choose a longer interval` }]);

    // Hourly buckets summed into the caller's days, weeks or months; grouped by position, as the expressions
    // carry parameters PostgreSQL cannot match between SELECT and GROUP BY.
    const ownedAssets = db.select({ code: accounts.assetCode }).from(accounts).where(eq(accounts.customerId, customerId));
    // In UTC a bucket is made of whole days: read the daily rollup (a row a day), else the hourly one in `tz`.
    const sumsQuery = UTC_ZONES.has(tz)
      ? db
          .select({
            asset: spendDaily.assetCode,
            period: sql<string>`(date_trunc(${interval}::text, ${spendDaily.day}::timestamp))::date::text`,
            amount: sql<string>`sum(${spendDaily.amount})`,
            fiat: sql<string>`sum(${spendDaily.fiatAmount})`,
          })
          .from(spendDaily)
          .where(
            and(
              eq(spendDaily.customerId, customerId),
              asset ? eq(spendDaily.assetCode, asset) : inArray(spendDaily.assetCode, ownedAssets),
              gte(spendDaily.day, from),
              lte(spendDaily.day, to),
            ),
          )
          .groupBy(sql`1`, sql`2`)
      : db
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
              asset ? eq(spendRollup.assetCode, asset) : inArray(spendRollup.assetCode, ownedAssets),
              gte(spendRollup.hour, startOfLocalDate(from, tz)),
              lt(spendRollup.hour, endOfLocalDate(to, tz)),
            ),
          )
          .groupBy(sql`1`, sql`2`);
    const [sums, owned] = await Promise.all([
      sumsQuery,
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
      points.set(interval === 'month' ? s.period.slice(0, 7) : s.period, { amount: s.amount, fiat: s.fiat });
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
