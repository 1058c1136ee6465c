import { and, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { money, toDecimalString, UsageQuery, type UsageItem, type UsagePage } from '@credyt/shared';
import type { Database } from '../db/client.ts';
import { entries } from '../db/schema/index.ts';
import { invalid } from '../http/problem.ts';
import { createRouter } from '../http/router.ts';
import type { EntryRow } from '../ledger/append.ts';
import type { PortalEnv } from './context.ts';
import { before, decodeCursor, encodeCursor, exactInstant, newestFirst } from './cursor.ts';
import { endOfLocalDate, startOfLocalDate, TimeZoneParam } from './time.ts';
import { validQuery } from './validate.ts';

const Query = UsageQuery.extend({ tz: TimeZoneParam });

const negate = (amount: string) => toDecimalString(money(amount).negated());

/** A usage entry as the customer reads it: the fee it cost (positive), in the asset and in fiat. */
export function presentUsage(e: EntryRow): UsageItem {
  return {
    id: e.id,
    occurred_at: e.occurredAt.toISOString(),
    product: { code: e.productCode ?? '', name: e.productName ?? e.productCode ?? '' },
    subject: e.subject,
    description: e.eventDescription,
    fee_description: e.feeDescription ?? '',
    amount: negate(e.amount),
    asset: e.assetCode,
    fiat_amount: e.fiatAmount === null ? null : negate(e.fiatAmount),
  };
}

export function usageRoutes(db: Database) {
  return createRouter<PortalEnv>().get('/usage', validQuery(Query), async (c) => {
    const { customerId } = c.get('portal');
    const query = c.req.valid('query');
    if (query.from && query.to && query.from > query.to) throw invalid([{ path: 'from', message: 'must not be after to' }]);
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    // The category is a literal, not a parameter, so even a generic plan can use the partial usage index.
    const conditions: (SQL | undefined)[] = [eq(entries.customerId, customerId), sql`${entries.category} = 'usage'`];
    if (query.from) conditions.push(gte(entries.occurredAt, startOfLocalDate(query.from, query.tz)));
    if (query.to) conditions.push(lt(entries.occurredAt, endOfLocalDate(query.to, query.tz)));
    if (query.product) conditions.push(eq(entries.productCode, query.product));
    if (after) conditions.push(before(entries.occurredAt, entries.seq, after));
    const rows = await db
      .select({ entry: entries, at: exactInstant(entries.occurredAt) })
      .from(entries)
      .where(and(...conditions))
      .orderBy(...newestFirst(entries.occurredAt, entries.seq))
      .limit(query.limit + 1);
    const shown = rows.slice(0, query.limit);
    const last = shown[shown.length - 1];
    const next = rows.length > query.limit && last ? encodeCursor({ at: last.at, seq: last.entry.seq }) : null;
    const body: UsagePage = { items: shown.map((r) => presentUsage(r.entry)), next_cursor: next };
    return c.json(body);
  });
}
