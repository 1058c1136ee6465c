import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { invalid } from './problem.ts';

/**
 * A keyset position: a timestamp at PostgreSQL's full microsecond precision (a JS Date would drop the last three
 * digits and skip or repeat rows) and the ledger `seq` that breaks ties.
 */
export interface Position {
  at: string;
  seq: number;
}

const EXACT_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The column as exact UTC text, to carry in a cursor. */
export const exactInstant = (column: SQLWrapper): SQL<string> =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Any cursor: its parts as opaque base64url JSON. The typed cursors below are made of it; `cursorParts` reads one back. */
export function cursorOf(parts: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function encodeCursor(position: Position): string {
  return cursorOf([position.at, position.seq]);
}

export function decodeCursor(cursor: string): Position {
  const [at, seq] = cursorParts(cursor);
  if (typeof at === 'string' && EXACT_INSTANT.test(at) && typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0)
    return { at, seq };
  throw notACursor();
}

/** A position among usage events: the instant they happened and the event's id, which orders events of one instant. */
export interface EventPosition {
  at: string;
  key: string;
}

export function encodeEventCursor(position: EventPosition): string {
  return cursorOf(['e', position.at, position.key]);
}

export function decodeEventCursor(cursor: string): EventPosition {
  const [tag, at, key] = cursorParts(cursor);
  if (tag === 'e' && typeof at === 'string' && EXACT_INSTANT.test(at) && typeof key === 'string' && key.length > 0) return { at, key };
  throw notACursor();
}

/** The parts of a cursor `cursorOf` made, or the 422 naming `cursor`. */
export function cursorParts(cursor: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (Array.isArray(parsed)) return parsed;
  } catch {
    /* answered below */
  }
  throw notACursor();
}

/** The 422 naming `cursor`, for a cursor whose parts are not what its kind holds. */
export const notACursor = () => invalid([{ path: 'cursor', message: 'is not a cursor this API returned' }]);

/** Rows strictly after `position` in newest-first order: one row comparison the (…, at desc, seq desc) indexes serve. */
export const before = (at: SQLWrapper, seq: SQLWrapper, position: Position): SQL =>
  sql`(${at}, ${seq}) < (${position.at}::timestamptz, ${position.seq}::bigint)`;

/**
 * Rows of events after `position` in (at desc, key desc) order. The key is no index column, so the instant is
 * bounded on its own first: the index range stays an index range.
 */
export const beforeEvent = (at: SQLWrapper, key: SQLWrapper, position: EventPosition): SQL =>
  sql`${at} <= ${position.at}::timestamptz and (${at} < ${position.at}::timestamptz or ${key} < ${position.key})`;

/** Keyset positions compared as the indexes order them: exact instants (fixed-width text), then seq. */
export const comparePositions = (a: Position, b: Position): number => (a.at === b.at ? a.seq - b.seq : a.at < b.at ? -1 : 1);

/**
 * Newest first, exactly as the `(…, at DESC NULLS LAST, seq DESC NULLS LAST)` indexes are ordered: a bare DESC
 * means NULLS FIRST in PostgreSQL, which would not match them and would sort every matching row.
 */
export const newestFirst = (at: SQLWrapper, seq: SQLWrapper): SQL[] => [sql`${at} desc nulls last`, sql`${seq} desc nulls last`];
