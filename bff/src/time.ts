import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';

/** Zone names of one word that both ICU and PostgreSQL's tz database know. */
const SINGLE_WORD_ZONES = new Set(['UTC', 'GMT', 'UCT', 'Universal', 'Zulu', 'Greenwich']);

/**
 * IANA `Area/Location` names (`Europe/Paris`, `Etc/GMT+5`, `Asia/Calcutta`) and UTC: what both Intl and PostgreSQL
 * know. ICU also takes Java's three-letter ids (`AET`, `IST`) and its own `SystemV/…`, which PostgreSQL refuses.
 */
function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(tz)) return false;
  if (!SINGLE_WORD_ZONES.has(tz) && (!tz.includes('/') || tz.startsWith('SystemV/'))) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The `tz` query parameter of the portal API: day and month boundaries are the caller's; UTC by default. */
export const TimeZoneParam = z
  .string()
  .refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris')
  .optional()
  .transform((tz) => tz ?? 'UTC');

/** The calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
export function localDate(instant: Date, tz: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(
    instant,
  );
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The instant a local calendar date starts in `tz`, as SQL (DST-correct: PostgreSQL resolves it). */
export const startOfLocalDate = (date: string, tz: string): SQL => sql`(${date}::date::timestamp at time zone ${tz}::text)`;

/** The instant the local day after `date` starts in `tz`. */
export const endOfLocalDate = (date: string, tz: string): SQL => sql`((${date}::date + 1)::timestamp at time zone ${tz}::text)`;

/** The instant the month (`YYYY-MM`) starts in `tz`, and the instant the next one starts. */
export const monthBounds = (month: string, tz: string): [SQL, SQL] => [
  sql`(${`${month}-01`}::date::timestamp at time zone ${tz}::text)`,
  sql`((${`${month}-01`}::date + interval '1 month')::timestamp at time zone ${tz}::text)`,
];

/** Whole days from one `YYYY-MM-DD` to another (dates only, so no time zone can shift them). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function addMonths(month: string, months: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The Monday of the ISO week a date falls in (PostgreSQL's `date_trunc('week', …)`). */
export function mondayOf(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((weekday + 6) % 7));
}
