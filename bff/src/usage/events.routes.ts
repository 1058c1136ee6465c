import { createRoute, z } from '@hono/zod-openapi';
import { DecimalInput, Instant, money } from '@credyt/shared';
import type { Database } from '../db/client.ts';
import { WireAmount } from '../http/amounts-as-numbers.ts';
import { createRouter, json } from '../http/router.ts';
import type { FeeRecord } from '../pricing/types.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';
import type { Ledger } from '../wallet/ledger.ts';
import { GroupCommit } from '../db/group-commit.ts';
import { ListOf, PageQuery, presentPage } from '../http/paging.ts';
import {
  commitIngests,
  eventOf,
  listEvents,
  prepareIngest,
  simulateUsage,
  type EventOutcome,
  type EventRow,
  type PreparedIngest,
} from './service.ts';
import { metrics } from '../metrics.ts';

const MAX_BATCH = 1000;

/**
 * What the platform paid a vendor for the event, named by Credyt's vendor id or the platform's external id for it
 * (https://docs.credyt.ai/features/profitability: each cost is linked to a vendor; `vendor_external_id` names it by
 * yours). Amounts are exact, in the currency the vendor charged.
 */
const CostIn = z
  .object({
    vendor_id: z.string().min(1).max(200).optional(),
    vendor_external_id: z.string().min(1).max(200).optional(),
    amount: DecimalInput.refine((v) => !money(v).isNegative(), 'must not be negative'),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'must be a three-letter currency code such as USD')
      .transform((v) => v.toUpperCase()),
    description: z.string().max(500).optional(),
  })
  .superRefine((cost, ctx) => {
    if ((cost.vendor_id === undefined) === (cost.vendor_external_id === undefined))
      ctx.addIssue({ code: 'custom', path: ['vendor_id'], message: 'name the vendor by exactly one of vendor_id and vendor_external_id' });
  });

const EventIn = z.object({
  id: z.string().min(1).max(200),
  event_type: z.string().min(1).max(100),
  occurred_at: Instant,
  subject: z.string().max(500).optional(),
  description: z.string().max(2000).optional(),
  data: z.record(z.string(), z.unknown()).default({}),
  costs: z.array(CostIn).max(50, 'at most 50 costs per event').optional(),
});

const EventsBatch = z.object({
  customer_id: z.string().min(1),
  events: z.array(EventIn).min(1).max(MAX_BATCH, `at most ${MAX_BATCH} events per request`),
});

const FeeOut = z.object({
  amount: WireAmount,
  asset: z.string(),
  product_code: z.string(),
  price_name: z.string(),
  fee_description: z.string(),
  fiat_amount: WireAmount.nullable(),
  source_reference: z.string().nullable(),
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

const presentFee = (f: FeeRecord) => ({
  amount: f.amount,
  asset: f.asset,
  product_code: f.product_code,
  price_name: f.price_name,
  fee_description: f.fee_description,
  fiat_amount: f.fiat_amount,
  source_reference: f.source_reference ?? null,
});

const SimulatedOut = z.object({ id: z.string(), billed: z.boolean(), unbilled_reason: z.string().nullable(), fees: z.array(FeeOut) });

const presentOutcome = (o: EventOutcome): z.infer<typeof EventResult> => ({ ...o, fees: o.fees.map(presentFee) });

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

/** How concurrent `POST /events` requests are gathered into one transaction (see `GroupCommit`). */
export interface IngestOptions {
  /** Transactions writing events at once (PGlite has one connection: 1). */
  maxInFlight: number;
}

export function eventRoutes(db: Database, ledger: Ledger, options: IngestOptions) {
  const writer = new GroupCommit<PreparedIngest, EventOutcome[]>((jobs) => commitIngests(db, ledger, jobs), {
    maxInFlight: options.maxInFlight,
    maxJobs: 256,
    maxWeight: MAX_BATCH * 2,
    weight: (job) => job.events.length,
  });
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
        const results = (await writer.submit(await prepareIngest(db, platform, body))).map(presentOutcome);
        for (const r of results) metrics.eventsIngested.inc({ status: r.status });
        const anyCreated = results.some((r) => r.status === 'created');
        return anyCreated ? c.json({ events: results }, 201) : c.json({ events: results }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/products/{id}/{version}/simulate-usage',
        request: {
          params: z.object({ id: z.string(), version: z.string() }),
          body: { content: { 'application/json': { schema: z.object({ events: EventsBatch.shape.events }) } }, required: true },
        },
        responses: {
          200: json(z.object({ events: z.array(SimulatedOut) }), 'What each sample event would be charged; nothing is written'),
        },
      }),
      async (c) => {
        const { id, version } = c.req.valid('param');
        const simulated = await simulateUsage(db, c.get('platform'), id, version, c.req.valid('json').events);
        return c.json({ events: simulated.map((e) => ({ ...e, fees: e.fees.map(presentFee) })) }, 200);
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
        const row = await eventOf(db, c.get('platform').id, c.req.valid('param').id);
        return c.json(presentEvent(row), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/events',
        request: {
          query: PageQuery.extend({ customer_id: z.string().min(1).optional() }),
        },
        responses: { 200: json(ListOf(EventOut), "Events, newest first: the customer's, or every customer's") },
      }),
      async (c) => {
        const query = c.req.valid('query');
        return c.json(presentPage(await listEvents(db, c.get('platform').id, query), query, presentEvent), 200);
      },
    );
}
