import { createRoute } from '@hono/zod-openapi';
import { money, PortalSpend, SpendQuery, toDecimalString, type SpendInterval } from '@credyt/shared';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { spendSums } from './service.ts';
import { invalid } from '../http/problem.ts';
import { createRouter, json } from '../http/router.ts';
import type { PortalEnv } from '../sessions/context.ts';
import { addDays, addMonths, localDate, mondayOf, TimeZoneParam } from '../time.ts';

const Query = SpendQuery.extend({ tz: TimeZoneParam });

const spendRoute = createRoute({
  method: 'get',
  path: '/spend',
  request: { query: Query },
  responses: { 200: json(PortalSpend, 'Spend per asset and period, in the asset and in the platform currency') },
});

/** At most this many points per series: a chart, not an export. Ten years of months, two of days, 41 days of hours. */
const MAX_POINTS = 1000;

const HOUR_MS = 3_600_000;

/** The periods between two local dates, labelled as PostgreSQL's `date_trunc` in that zone labels them. */
function periods(from: string, to: string, interval: Exclude<SpendInterval, 'hour'>): string[] {
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
  return createRouter<PortalEnv>().openapi(spendRoute, async (c) => {
    const { customerId, platform } = c.get('portal');
    const { interval, tz, asset } = c.req.valid('query');
    const to = c.req.valid('query').to ?? localDate(clock.now(), tz);
    const from = c.req.valid('query').from ?? defaultFrom(to, interval);
    if (from > to) throw invalid([{ path: 'from', message: 'must not be after to' }]);
    const hours = interval === 'hour' ? hourPeriods(from, to, tz) : [];
    const labels = interval === 'hour' ? hours.map((h) => h.period) : periods(from, to, interval);
    if (labels.length > MAX_POINTS)
      throw invalid([{ path: 'interval', message: `the range has more than ${MAX_POINTS} periods; choose a longer interval` }]);

    const [sums, owned] = await spendSums(db, customerId, { asset, hours, from, to, tz, interval });

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
    return c.json(body, 200);
  });
}
