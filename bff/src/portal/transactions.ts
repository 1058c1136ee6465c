import { and, eq, gte, lt, type SQL } from 'drizzle-orm';
import { stream } from 'hono/streaming';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { toDecimalString, TransactionsQuery, type Transaction, type TransactionsPage } from '@credyt/shared';
import type { Database } from '../db/client.ts';
import { entries } from '../db/schema/index.ts';
import { createRouter } from '../http/router.ts';
import type { EntryRow } from '../ledger/append.ts';
import type { PortalEnv } from './context.ts';
import { before, decodeCursor, encodeCursor, exactInstant, newestFirst, type Position } from './cursor.ts';
import { monthBounds, TimeZoneParam } from './time.ts';
import { validQuery } from './validate.ts';

const Query = TransactionsQuery.extend({ tz: TimeZoneParam });
type Filters = Pick<z.infer<typeof Query>, 'month' | 'asset' | 'category' | 'tz'>;

/** Rows fetched per round trip of the CSV export: memory stays flat whatever the history. */
export const CSV_BATCH = 1000;

export function presentTransaction(e: EntryRow): Transaction {
  return {
    id: e.id,
    created_at: e.createdAt.toISOString(),
    category: e.category,
    description: e.description,
    amount: toDecimalString(e.amount),
    asset: e.assetCode,
    balance_after: toDecimalString(e.balanceAfter),
    receipt_url: e.receiptUrl,
  };
}

/**
 * One newest-first page of a customer's entries. The filters are equalities and a `created_at` range on the
 * `(customer_id, category | asset_code, created_at desc, seq desc)` indexes, so a page costs the same at any history.
 */
async function page(db: Database, customerId: string, filters: Filters, limit: number, after: Position | null) {
  const conditions: (SQL | undefined)[] = [eq(entries.customerId, customerId)];
  if (filters.category) conditions.push(eq(entries.category, filters.category));
  if (filters.asset) conditions.push(eq(entries.assetCode, filters.asset));
  if (filters.month) {
    const [start, end] = monthBounds(filters.month, filters.tz);
    conditions.push(gte(entries.createdAt, start), lt(entries.createdAt, end));
  }
  if (after) conditions.push(before(entries.createdAt, entries.seq, after));
  return db
    .select({ entry: entries, at: exactInstant(entries.createdAt) })
    .from(entries)
    .where(and(...conditions))
    .orderBy(...newestFirst(entries.createdAt, entries.seq))
    .limit(limit);
}

const positionOf = (row: { entry: EntryRow; at: string } | undefined): Position | null => (row ? { at: row.at, seq: row.entry.seq } : null);

const CSV_COLUMNS = [
  'id',
  'created_at',
  'category',
  'description',
  'amount',
  'asset',
  'balance_after',
  'fiat_amount',
  'fiat_currency',
  'receipt_url',
];

/** A spreadsheet would run a cell starting with = + - @ as a formula: free text gets a leading quote. */
const inert = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

function csvRecord(e: EntryRow): string[] {
  return [
    e.id,
    e.createdAt.toISOString(),
    e.category,
    inert(e.description),
    toDecimalString(e.amount),
    e.assetCode,
    toDecimalString(e.balanceAfter),
    e.fiatAmount === null ? '' : toDecimalString(e.fiatAmount),
    e.fiatCurrency ?? '',
    e.receiptUrl ?? '',
  ];
}

export function transactionRoutes(db: Database) {
  return createRouter<PortalEnv>().get('/transactions', validQuery(Query), async (c) => {
    const { customerId } = c.get('portal');
    const query = c.req.valid('query');
    const after = query.cursor ? decodeCursor(query.cursor) : null;

    if (query.format === 'csv') {
      const name = ['transactions', query.month, query.asset, query.category].filter(Boolean).join('-');
      c.header('Content-Type', 'text/csv; charset=utf-8');
      c.header('Content-Disposition', `attachment; filename="${name}.csv"`);
      return stream(c, async (out) => {
        await out.write(stringify([CSV_COLUMNS]));
        let position = after;
        for (;;) {
          if (out.aborted) return;
          const batch = await page(db, customerId, query, CSV_BATCH, position);
          if (batch.length > 0) await out.write(stringify(batch.map((r) => csvRecord(r.entry))));
          if (batch.length < CSV_BATCH) return;
          position = positionOf(batch[batch.length - 1]);
        }
      });
    }

    const rows = await page(db, customerId, query, query.limit + 1, after);
    const shown = rows.slice(0, query.limit);
    const next = rows.length > query.limit ? positionOf(shown[shown.length - 1]) : null;
    const body: TransactionsPage = { items: shown.map((r) => presentTransaction(r.entry)), next_cursor: next ? encodeCursor(next) : null };
    return c.json(body);
  });
}
