import { z } from 'zod';

/**
 * The calendar the ledger keeps: 1970 to 9999. Inside it every instant, date and month is one PostgreSQL, Intl and
 * `Date` all read the same way (PostgreSQL has no year 0 and refuses offsets past ±15:59; `Date` writes years past
 * 9999 with a sign).
 */
export const FIRST_DATE = '1970-01-01';
export const LAST_DATE = '9999-12-31';
const FIRST_MS = Date.parse(`${FIRST_DATE}T00:00:00Z`);
const LAST_MS = Date.parse(`${LAST_DATE}T23:59:59.999Z`);
/** Real UTC offsets run from −12:00 to +14:00. */
const MAX_OFFSET_MINUTES = 14 * 60;

const inRange = (ms: number) => Number.isFinite(ms) && ms >= FIRST_MS && ms <= LAST_MS;

function offsetMinutes(text: string): number {
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!m) return 0;
  return Number(m[2]) * 60 + Number(m[3]);
}

/** An ISO 8601 instant with its offset (`2026-11-24T10:00:00Z`, `…+05:30`), between 1970 and 9999 in UTC. */
export const Instant = z.iso
  .datetime({ offset: true })
  .refine((v) => offsetMinutes(v) <= MAX_OFFSET_MINUTES, 'must have a UTC offset between -14:00 and +14:00')
  .refine((v) => inRange(Date.parse(v)), `must be between ${FIRST_DATE} and ${LAST_DATE}`);

/** A calendar date `YYYY-MM-DD` between 1970 and 9999. */
export const CalendarDate = z.iso
  .date()
  .refine((v) => inRange(Date.parse(`${v}T00:00:00Z`)), `must be between ${FIRST_DATE} and ${LAST_DATE}`);

/** A calendar month `YYYY-MM` between 1970 and 9999. */
export const CalendarMonth = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM')
  .refine((v) => inRange(Date.parse(`${v}-01T00:00:00Z`)), `must be between ${FIRST_DATE.slice(0, 7)} and ${LAST_DATE.slice(0, 7)}`);
