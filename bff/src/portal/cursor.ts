import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { invalid } from '../http/problem.ts';

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

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.at, position.seq])).toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  try {
    const [at, seq] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown];
    if (typeof at === 'string' && EXACT_INSTANT.test(at) && typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0)
      return { at, seq };
  } catch {
    /* answered below */
  }
  throw invalid([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
}

/** Rows strictly after `position` in newest-first order: one row comparison the (…, at desc, seq desc) indexes serve. */
export const before = (at: SQLWrapper, seq: SQLWrapper, position: Position): SQL =>
  sql`(${at}, ${seq}) < (${position.at}::timestamptz, ${position.seq}::bigint)`;

/**
 * Newest first, exactly as the `(…, at DESC NULLS LAST, seq DESC NULLS LAST)` indexes are ordered: a bare DESC
 * means NULLS FIRST in PostgreSQL, which would not match them and would sort every matching row.
 */
export const newestFirst = (at: SQLWrapper, seq: SQLWrapper): SQL[] => [sql`${at} desc nulls last`, sql`${seq} desc nulls last`];
