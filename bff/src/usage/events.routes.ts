import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { Instant, money, toDecimalString, type FieldError } from '@credyt/shared';
import { AssetRegistry, fiatValue } from '../catalog/registry.ts';
import { type Database, transact } from '../db/client.ts';
import { events, prices, products, subscriptions } from '../db/schema/index.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import { createRouter, json } from '../http/router.ts';
import { hashRequest } from '../ids.ts';
import { resultRows } from '../db/client.ts';
import type { EntryDraft, Ledger } from '../wallet/ledger.ts';
import { calculateFees, FeeOutOfRange } from '../pricing/fees.ts';
import type { FeeRecord, PriceRule } from '../pricing/types.ts';
import { customerOf } from '../customers/customers.routes.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';

export const MAX_BATCH = 1000;

const EventIn = z.object({
  id: z.string().min(1).max(200),
  event_type: z.string().min(1).max(100),
  occurred_at: Instant,
  subject: z.string().max(500).optional(),
  description: z.string().max(2000).optional(),
  data: z.record(z.string(), z.unknown()).default({}),
});
type EventInput = z.infer<typeof EventIn>;

export const EventsBatch = z.object({
  customer_id: z.string().min(1),
  events: z.array(EventIn).min(1).max(MAX_BATCH, `at most ${MAX_BATCH} events per request`),
});

const FeeOut = z.object({
  amount: z.string(),
  asset: z.string(),
  product_code: z.string(),
  price_name: z.string(),
  fee_description: z.string(),
  fiat_amount: z.string().nullable(),
});
const EventResult = z.object({
  id: z.string(),
  status: z.enum(['created', 'duplicate']),
  billed: z.boolean(),
  unbilled_reason: z.string().nullable(),
  fees: z.array(FeeOut),
});
const EventOut = z.object({
  id: z.string(),
  customer_id: z.string(),
  event_type: z.string(),
  occurred_at: z.string(),
  subject: z.string().nullable(),
  description: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  billed: z.boolean(),
  unbilled_reason: z.string().nullable(),
  fees: z.array(FeeOut),
  created_at: z.string(),
});

type EventRow = typeof events.$inferSelect;

const presentFee = (f: FeeRecord) => ({
  amount: f.amount,
  asset: f.asset,
  product_code: f.product_code,
  price_name: f.price_name,
  fee_description: f.fee_description,
  fiat_amount: f.fiat_amount,
});

function presentEvent(e: EventRow): z.infer<typeof EventOut> {
  return {
    id: e.id,
    customer_id: e.customerId,
    event_type: e.eventType,
    occurred_at: e.occurredAt.toISOString(),
    subject: e.subject,
    description: e.description,
    data: e.data,
    billed: e.billed === 'billed',
    unbilled_reason: e.unbilledReason,
    fees: e.fees.map(presentFee),
    created_at: e.createdAt.toISOString(),
  };
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

export function eventRoutes(db: Database, ledger: Ledger) {
  return createRouter<PlatformEnv>()
    .openapi(
      createRoute({
        method: 'post',
        path: '/events',
        request: { body: { content: { 'application/json': { schema: EventsBatch } }, required: true } },
        responses: {
          201: json(z.object({ events: z.array(EventResult) }), 'Each event with its fees, new or duplicate'),
          200: json(z.object({ events: z.array(EventResult) }), 'Every event was a duplicate'),
        },
      }),
      async (c) => {
        const platform = c.get('platform');
        const body = c.req.valid('json');
        const customer = await customerOf(db, platform.id, body.customer_id, 'customer_id');
        const hashes = body.events.map((e) =>
          hashRequest({ customer_id: customer.id, ...e, occurred_at: new Date(e.occurred_at).toISOString() }),
        );
        const repeatErrors = checkRepeats(body.events, hashes);
        if (repeatErrors.length > 0) throw invalid(repeatErrors);

        const rules = await subscribedRules(db, customer.id, [...new Set(body.events.map((e) => e.event_type))]);
        const registry = await AssetRegistry.load(db, platform.id);
        const feeErrors: FieldError[] = [];
        const outcomes = body.events.map((e, i) => {
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

        const results = await transact(db, async (tx) => {
          const rows = body.events.map((e, i) => {
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
          const repeated = [...new Set(body.events.filter((e) => !created.has(e.id)).map((e) => e.id))];
          const earlier = repeated.length
            ? await tx
                .select()
                .from(events)
                .where(and(eq(events.platformId, platform.id), inArray(events.id, repeated)))
            : [];
          const earlierById = new Map(earlier.map((e) => [e.id, e]));
          const conflicts = body.events.flatMap((e, i) => {
            const previous = earlierById.get(e.id);
            return previous && previous.requestHash !== hashes[i]
              ? [{ path: `events.${i}.id`, message: 'was already sent with a different body' }]
              : [];
          });
          if (conflicts.length > 0) throw conflict('Some event ids were already used with a different body.', conflicts);

          const drafts: EntryDraft[] = [];
          const charged = new Set<string>();
          body.events.forEach((e, i) => {
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
          return body.events.map((e, i) => {
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
              fees: fees.map(presentFee),
            };
          });
        });
        const anyCreated = results.some((r) => r.status === 'created');
        return anyCreated ? c.json({ events: results }, 201) : c.json({ events: results }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/events/{id}',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(EventOut, 'The event with its fees') },
      }),
      async (c) => {
        const [row] = await db
          .select()
          .from(events)
          .where(and(eq(events.platformId, c.get('platform').id), eq(events.id, c.req.valid('param').id)));
        if (!row) throw notFound('The event');
        return c.json(presentEvent(row), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/events',
        request: {
          query: z.object({
            customer_id: z.string().min(1),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().optional(),
          }),
        },
        responses: { 200: json(z.object({ data: z.array(EventOut), next_cursor: z.string().nullable() }), 'Events, newest first') },
      }),
      async (c) => {
        const { customer_id, limit, cursor } = c.req.valid('query');
        const customer = await customerOf(db, c.get('platform').id, customer_id);
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
        const next = rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null;
        return c.json({ data: page.map(presentEvent), next_cursor: next }, 200);
      },
    );
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
