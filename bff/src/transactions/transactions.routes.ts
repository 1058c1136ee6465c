import { stream } from 'hono/streaming';
import { stringify } from 'csv-stringify/sync';
import { createRoute, z } from '@hono/zod-openapi';
import { TransactionsPage, TransactionsQuery, type Transaction } from '@credyt/shared';
import type { Database } from '../db/client.ts';
import { decodeCursor, encodeCursor, type Position } from '../http/cursor.ts';
import { createRouter } from '../http/router.ts';
import type { PortalEnv } from '../sessions/context.ts';
import { TimeZoneParam } from '../time.ts';
import { CSV_COLUMNS, csvRecord, presentTransaction } from './presenters.ts';
import { categoriesOf, COUNT_CAP, countEntries, countGrouped, CSV_BATCH, entryPage, groupedPage, positionOf } from './service.ts';

const Query = TransactionsQuery.extend({ tz: TimeZoneParam });

const transactionsRoute = createRoute({
  method: 'get',
  path: '/transactions',
  request: { query: Query },
  responses: {
    200: {
      content: { 'application/json': { schema: TransactionsPage }, 'text/csv': { schema: z.string() } },
      description: 'The wallet’s entries, newest first, a page at a time; `format=csv` streams every match as CSV',
    },
  },
});

export function transactionRoutes(db: Database) {
  return createRouter<PortalEnv>().openapi(transactionsRoute, async (c) => {
    const { customerId } = c.get('portal');
    const query = c.req.valid('query');
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const categories = categoriesOf(query);

    if (query.format === 'csv') {
      const name = ['transactions', query.month, query.asset, query.category].filter(Boolean).join('-');
      c.header('Content-Type', 'text/csv; charset=utf-8');
      c.header('Content-Disposition', `attachment; filename="${name}.csv"`);
      return stream(c, async (out) => {
        await out.write(stringify([CSV_COLUMNS]));
        let position = after;
        for (;;) {
          if (out.aborted) return;
          const batch = await entryPage(db, customerId, categories, query, position, CSV_BATCH);
          if (batch.length > 0) await out.write(stringify(batch.map((r) => csvRecord(r.entry))));
          if (batch.length < CSV_BATCH) return;
          position = positionOf(batch[batch.length - 1]);
        }
      });
    }

    const counting = query.total
      ? query.view === 'grouped'
        ? countGrouped(db, customerId, query)
        : countEntries(db, customerId, categories, query, COUNT_CAP)
      : undefined;
    let items: Transaction[];
    let next: Position | null;
    if (query.view === 'grouped') {
      ({ items, next } = await groupedPage(db, customerId, query, after, query.limit));
    } else {
      const rows = await entryPage(db, customerId, categories, query, after, query.limit + 1);
      const shown = rows.slice(0, query.limit);
      items = shown.map((r) => presentTransaction(r.entry));
      next = rows.length > query.limit ? positionOf(shown[shown.length - 1]) : null;
    }
    const total = await counting;
    const body: TransactionsPage = { items, next_cursor: next ? encodeCursor(next) : null, ...(total ? { total } : {}) };
    return c.json(body, 200);
  });
}
