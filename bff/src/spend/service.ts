// Spend: what a customer's usage cost per period, read from the rollups that spend/rollup.ts keeps on every
// ledger write (hourly and, for UTC, daily). Owns `spend_rollup` and `spend_daily`.
import { and, eq, gte, inArray, lt, lte, sql, type Column, type SQL } from 'drizzle-orm';
import type { SpendInterval } from '@credyt/shared';
import type { Database } from '../db/client.ts';
import { accounts, spendDaily, spendRollup } from '../db/schema/index.ts';
import { endOfLocalDate, startOfLocalDate } from '../time.ts';

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Etc/UCT', 'UCT', 'Universal', 'Zulu']);
const HOUR_MS = 3_600_000;

/**
 * The sums per asset and period of the customer's spend in the range (hourly: the `hours` given), and the assets
 * the customer holds (one or all), each of which gets a series.
 */
export function spendSums(
  db: Database,
  customerId: string,
  range: {
    asset?: string | undefined;
    hours: Array<{ start: number; period: string }>;
    from: string;
    to: string;
    tz: string;
    interval: SpendInterval;
  },
): Promise<[PeriodSum[], { asset: string }[]]> {
  const { asset, hours, from, to, tz, interval } = range;
  const ownedAssets = db.select({ code: accounts.assetCode }).from(accounts).where(eq(accounts.customerId, customerId));
  const assetFilter = (column: Column) => (asset ? eq(column, asset) : inArray(column, ownedAssets));
  return Promise.all([
    interval === 'hour'
      ? hourlySums(db, customerId, assetFilter, hours)
      : periodSums(db, customerId, assetFilter, { from, to, tz, interval }),
    db
      .selectDistinct({ asset: accounts.assetCode })
      .from(accounts)
      .where(and(eq(accounts.customerId, customerId), asset ? eq(accounts.assetCode, asset) : undefined)),
  ]);
}

export interface PeriodSum {
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
