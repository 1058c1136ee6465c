import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, daysBetween, localDate, mondayOf, TimeZoneParam } from '../src/time.ts';

/** The calendar arithmetic behind months, weeks and days in a caller's time zone: pure functions, no database. */

const DAY = 86_400_000;
/** Instants in the calendar the ledger keeps (1970 to 9999). */
const instant = fc.date({ min: new Date('1970-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true });
const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const month = fc
  .record({ y: fc.integer({ min: 1970, max: 9998 }), m: fc.integer({ min: 1, max: 12 }) })
  .map(({ y, m }) => `${y}-${String(m).padStart(2, '0')}`);

describe('local dates in a time zone', () => {
  it('in UTC and in fixed offsets (−12:00 … +14:00) are the shifted UTC date', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -12, max: 14 }), (at, hours) => {
        // Etc/GMT-14 is UTC+14: the POSIX sign is inverted.
        const zone = hours === 0 ? 'UTC' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
        expect(localDate(at, zone)).toBe(isoDate(new Date(at.getTime() + hours * 3_600_000)));
      }),
    );
  });

  it('follow daylight saving time and the date line', () => {
    // Paris is UTC+1 in winter: 23:30 UTC on the 28th is already the 29th there, 22:59 is not.
    expect(localDate(new Date('2026-03-28T23:30:00Z'), 'Europe/Paris')).toBe('2026-03-29');
    expect(localDate(new Date('2026-03-28T22:59:59Z'), 'Europe/Paris')).toBe('2026-03-28');
    // New York in summer is UTC−4, in winter UTC−5.
    expect(localDate(new Date('2026-07-01T03:59:59Z'), 'America/New_York')).toBe('2026-06-30');
    expect(localDate(new Date('2026-12-01T04:59:59Z'), 'America/New_York')).toBe('2026-11-30');
    // New Year arrives first at +14:00 and last at −12:00.
    expect(localDate(new Date('2026-12-31T10:00:00Z'), 'Pacific/Kiritimati')).toBe('2027-01-01');
    expect(localDate(new Date('2027-01-01T11:59:59Z'), 'Etc/GMT+12')).toBe('2026-12-31');
    // India is UTC+05:30: a half-hour offset moves the date at 18:30 UTC.
    expect(localDate(new Date('2026-05-31T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-06-01');
  });

  it('take IANA zones both Intl and PostgreSQL know, and UTC by default', () => {
    expect(TimeZoneParam.parse(undefined)).toBe('UTC');
    expect(TimeZoneParam.parse('Europe/Paris')).toBe('Europe/Paris');
    for (const zone of ['AET', 'SystemV/AST4', 'Mars/Olympus', 'Europe/Paris; drop table', '']) {
      expect(TimeZoneParam.safeParse(zone).success).toBe(false);
    }
  });
});

describe('calendar arithmetic on dates and months', () => {
  it('addDays and daysBetween are inverse, across leap years', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -3000, max: 3000 }), (at, days) => {
        const from = isoDate(at);
        const to = isoDate(new Date(Date.parse(`${from}T00:00:00Z`) + days * DAY));
        fc.pre(to >= '1970-01-01' && to <= '9999-12-31');
        expect(addDays(from, days)).toBe(to);
        expect(daysBetween(from, to)).toBe(days);
      }),
    );
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2100-02-28', 1)).toBe('2100-03-01');
  });

  it('addMonths counts whole months, across years, both ways', () => {
    fc.assert(
      fc.property(month, fc.integer({ min: -240, max: 240 }), (m, k) => {
        const [y, mm] = m.split('-').map(Number) as [number, number];
        const index = y * 12 + mm - 1 + k;
        fc.pre(index >= 1970 * 12 && index < 10000 * 12);
        const expected = `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
        expect(addMonths(m, k)).toBe(expected);
        expect(addMonths(addMonths(m, k), -k)).toBe(m);
      }),
    );
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
  });

  it('mondayOf is the Monday on or before the date (PostgreSQL date_trunc week)', () => {
    fc.assert(
      fc.property(instant, (at) => {
        const date = isoDate(at);
        const monday = mondayOf(date);
        fc.pre(monday >= '1970-01-01');
        expect(new Date(`${monday}T00:00:00Z`).getUTCDay()).toBe(1);
        expect(daysBetween(monday, date)).toBeGreaterThanOrEqual(0);
        expect(daysBetween(monday, date)).toBeLessThan(7);
      }),
    );
    expect(mondayOf('2026-11-01')).toBe('2026-10-26'); // a Sunday
  });
});
