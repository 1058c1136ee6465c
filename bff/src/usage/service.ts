// Usage: the events platforms send, what they cost (pricing/fees.ts) and their debits to the wallet's ledger.
// Owns the `events` table; the debits go through the ledger, which tells spend, auto top-up and the streams.
import { and, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { money, toDecimalString, type FieldError } from '@credyt/shared';
import { AssetRegistry, fiatValue } from '../catalog/registry.ts';
import { customerOf } from '../customers/service.ts';
import { type Database, resultRows, transact } from '../db/client.ts';
import { events, prices, products, subscriptions } from '../db/schema/index.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import { hashRequest } from '../ids.ts';
import { calculateFees, FeeOutOfRange } from '../pricing/fees.ts';
import type { FeeRecord, PriceRule } from '../pricing/types.ts';
import type { PlatformRow } from '../tenancy/api-key.ts';
import type { EntryDraft, Ledger } from '../wallet/ledger.ts';

export type EventRow = typeof events.$inferSelect;

/** One event of a batch, as the platform sent it (validated). */
export interface EventInput {
  id: string;
  event_type: string;
  occurred_at: string;
  subject?: string;
  description?: string;
  data: Record<string, unknown>;
}

export interface EventOutcome {
  id: string;
  status: 'created' | 'duplicate';
  billed: boolean;
  unbilled_reason: string | null;
  fees: FeeRecord[];
}

/** The prices that bill this customer's events of these types: those of the products it subscribes to. */
export async function subscribedRules(db: Database, customerId: string, eventTypes: string[]): Promise<PriceRule[]> {
  const rows = await db
    .select({ price: prices, productCode: products.code, productName: products.name })
    .from(subscriptions)
    .innerJoin(products, eq(subscriptions.productId, products.id))
    .innerJoin(prices, eq(prices.productId, products.id))
    .where(and(eq(subscriptions.customerId, customerId), inArray(prices.eventType, eventTypes)))
    .orderBy(products.code, prices.position);
  return rows.map(({ price, productCode, productName }) => ({ ...price, productCode, productName }));
}

/** Event ids repeated within one batch must carry the same body; a differing repeat is a client bug. */
function checkRepeats(batch: EventInput[], hashes: string[]): FieldError[] {
  const seen = new Map<string, number>();
  const errors: FieldError[] = [];
  batch.forEach((e, i) => {
    const first = seen.get(e.id);
    if (first === undefined) seen.set(e.id, i);
    else if (hashes[first] !== hashes[i])
      errors.push({ path: `events.${i}.id`, message: `repeats events.${first}.id with a different body` });
  });
  return errors;
}

/**
 * Records a batch of usage events once each (by id; a replay with the same body is a duplicate, with another a
 * 409), prices the new ones and debits their fees to the customer's wallet, all in one transaction.
 */
export async function ingest(
  db: Database,
  ledger: Ledger,
  platform: PlatformRow,
  batch: { customer_id: string; events: EventInput[] },
): Promise<EventOutcome[]> {
  const customer = await customerOf(db, platform.id, batch.customer_id, 'customer_id');
  const hashes = batch.events.map((e) =>
    hashRequest({ customer_id: customer.id, ...e, occurred_at: new Date(e.occurred_at).toISOString() }),
  );
  const repeatErrors = checkRepeats(batch.events, hashes);
  if (repeatErrors.length > 0) throw invalid(repeatErrors);

  const rules = await subscribedRules(db, customer.id, [...new Set(batch.events.map((e) => e.event_type))]);
  const registry = await AssetRegistry.load(db, platform.id);
  const feeErrors: FieldError[] = [];
  const outcomes = batch.events.map((e, i) => {
    try {
      return calculateFees(e, rules, {
        asset: (code) => registry.get(code),
        fiatValue: (amount, asset) => fiatValue(amount, asset, platform.currency),
      });
    } catch (err) {
      if (!(err instanceof FeeOutOfRange)) throw err;
      feeErrors.push({ path: `events.${i}.${err.field}`, message: err.message });
      return { billed: false as const, reason: err.message };
    }
  });
  if (feeErrors.length > 0) throw invalid(feeErrors);

  return transact(db, async (tx) => {
    const rows = batch.events.map((e, i) => {
      const outcome = outcomes[i]!;
      return {
        platformId: platform.id,
        id: e.id,
        customerId: customer.id,
        eventType: e.event_type,
        occurredAt: new Date(e.occurred_at),
        subject: e.subject ?? null,
        description: e.description ?? null,
        data: e.data,
        requestHash: hashes[i]!,
        billed: outcome.billed ? ('billed' as const) : ('unbilled' as const),
        unbilledReason: outcome.billed ? null : outcome.reason,
        fees: outcome.billed ? outcome.fees : [],
      };
    });
    // Inserting in id order makes concurrent batches that share ids wait on each other instead of deadlocking.
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const inserted = await tx.execute<{ id: string }>(sql`
        insert into ${events} (platform_id, id, customer_id, event_type, occurred_at, subject, description, data, request_hash, billed,
          unbilled_reason, fees)
        select platform_id, id, customer_id, event_type, occurred_at, subject, description, data, request_hash, billed, unbilled_reason, fees
        from json_to_recordset(${JSON.stringify(rows.map(toEventRecord))}::json) as x(platform_id text, id text, customer_id text,
          event_type text, occurred_at timestamptz, subject text, description text, data jsonb, request_hash text, billed text,
          unbilled_reason text, fees jsonb)
        on conflict do nothing
        returning id`);
    const created = new Set(resultRows<{ id: string }>(inserted).map((r) => r.id));
    const repeated = [...new Set(batch.events.filter((e) => !created.has(e.id)).map((e) => e.id))];
    const earlier = repeated.length
      ? await tx
          .select()
          .from(events)
          .where(and(eq(events.platformId, platform.id), inArray(events.id, repeated)))
      : [];
    const earlierById = new Map(earlier.map((e) => [e.id, e]));
    const conflicts = batch.events.flatMap((e, i) => {
      const previous = earlierById.get(e.id);
      return previous && previous.requestHash !== hashes[i]
        ? [{ path: `events.${i}.id`, message: 'was already sent with a different body' }]
        : [];
    });
    if (conflicts.length > 0) throw conflict('Some event ids were already used with a different body.', conflicts);

    const drafts: EntryDraft[] = [];
    const charged = new Set<string>();
    batch.events.forEach((e, i) => {
      const outcome = outcomes[i]!;
      if (!created.has(e.id) || charged.has(e.id) || !outcome.billed) return;
      charged.add(e.id);
      for (const fee of outcome.fees) {
        drafts.push({
          assetCode: fee.asset,
          category: 'usage',
          description: `${fee.product_name}${e.subject ? ` · ${e.subject}` : ''}`,
          amount: negate(fee.amount),
          occurredAt: new Date(e.occurred_at),
          source: `event:${e.id}`,
          fiatAmount: fee.fiat_amount === null ? null : negate(fee.fiat_amount),
          fiatCurrency: platform.currency,
          eventId: e.id,
          productCode: fee.product_code,
          productName: fee.product_name,
          priceName: fee.price_name,
          feeDescription: fee.fee_description,
          subject: e.subject ?? null,
          eventDescription: e.description ?? null,
        });
      }
    });
    await ledger.append(tx, platform.id, customer.id, drafts);

    const firstSeen = new Set<string>();
    return batch.events.map((e, i) => {
      const isNew = created.has(e.id) && !firstSeen.has(e.id);
      firstSeen.add(e.id);
      const previous = earlierById.get(e.id);
      const billed = previous ? previous.billed === 'billed' : outcomes[i]!.billed;
      const fees = previous ? previous.fees : outcomes[i]!.billed ? (outcomes[i] as { fees: FeeRecord[] }).fees : [];
      const reason = previous ? previous.unbilledReason : outcomes[i]!.billed ? null : (outcomes[i] as { reason: string }).reason;
      return {
        id: e.id,
        status: isNew ? ('created' as const) : ('duplicate' as const),
        billed,
        unbilled_reason: reason,
        fees,
      };
    });
  });
}

/** One event of the platform, or a 404. */
export async function eventOf(db: Database, platformId: string, id: string): Promise<EventRow> {
  const [row] = await db
    .select()
    .from(events)
    .where(and(eq(events.platformId, platformId), eq(events.id, id)));
  if (!row) throw notFound('The event');
  return row;
}

/** A customer's events, newest first, `limit` per page. */
export async function listEvents(
  db: Database,
  platformId: string,
  query: { customer_id: string; limit: number; cursor?: string | undefined },
): Promise<{ events: EventRow[]; nextCursor: string | null }> {
  const { customer_id, limit, cursor } = query;
  const customer = await customerOf(db, platformId, customer_id);
  const after = cursor ? decodeCursor(cursor) : null;
  const rows = await db
    .select()
    .from(events)
    .where(
      and(
        eq(events.customerId, customer.id),
        after ? or(lt(events.createdAt, after.at), and(eq(events.createdAt, after.at), lt(events.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(events.createdAt), desc(events.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { events: page, nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
}

function toEventRecord(r: Omit<EventRow, 'createdAt'>) {
  return {
    platform_id: r.platformId,
    id: r.id,
    customer_id: r.customerId,
    event_type: r.eventType,
    occurred_at: r.occurredAt.toISOString(),
    subject: r.subject,
    description: r.description,
    data: r.data,
    request_hash: r.requestHash,
    billed: r.billed,
    unbilled_reason: r.unbilledReason,
    fees: r.fees,
  };
}

const negate = (amount: string) => toDecimalString(money(amount).negated());

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
    const date = new Date(at);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) throw new Error('bad cursor');
    return { at: date, id };
  } catch {
    throw invalid([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
  }
}
