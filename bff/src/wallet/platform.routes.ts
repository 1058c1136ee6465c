import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { DecimalInput, fitsPrecision, Instant, money, type Category } from '@credyt/shared';
import { AssetRegistry, fiatValue } from '../catalog/registry.ts';
import type { Database } from '../db/client.ts';
import { accounts } from '../db/schema/index.ts';
import { invalid, notFound } from '../http/problem.ts';
import { createRouter, json } from '../http/router.ts';
import { hashRequest } from '../ids.ts';
import { DEFAULT_ACCOUNT, type Ledger } from './ledger.ts';
import { idempotent } from './idempotency.ts';
import { customerOf } from '../customers/service.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';

const REASON_CATEGORY: Record<string, Category> = {
  external_topup: 'top_up',
  external_refund: 'refund',
  gift: 'gift',
  ad_hoc_fee: 'fee',
  adjustment: 'adjustment',
};

/** A client's clock may run a little ahead of ours. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export const AdjustmentCreate = z.object({
  transaction_id: z.string().min(1).max(200),
  asset: z.string().min(1),
  amount: DecimalInput.refine((v) => !money(v).isZero(), 'must not be zero'),
  account_name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9_-]+$/i)
    .optional(),
  description: z.string().max(500).optional(),
  reason: z.enum(['external_topup', 'external_refund', 'gift', 'ad_hoc_fee', 'adjustment']),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /**
   * When the movement happened, for one booked later (a top-up imported from another system); default now. It dates
   * the entry in the customer's history and spend; it never reorders the ledger, whose running balance is by booking.
   */
  occurred_at: Instant.refine((v) => Date.parse(v) <= Date.now() + CLOCK_SKEW_MS, 'must not be in the future').optional(),
});

const AccountOut = z.object({ id: z.string(), name: z.string(), asset: z.string(), available: z.string() });
const accountId = (name: string, asset: string) => `${name}:${asset}`;

export function walletRoutes(db: Database, ledger: Ledger) {
  return createRouter<PlatformEnv>()
    .openapi(
      createRoute({
        method: 'get',
        path: '/customers/{id}/wallet',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(z.object({ accounts: z.array(AccountOut) }), 'The wallet') },
      }),
      async (c) => {
        const customer = await customerOf(db, c.get('platform').id, c.req.valid('param').id);
        const rows = await db
          .select()
          .from(accounts)
          .where(eq(accounts.customerId, customer.id))
          .orderBy(accounts.assetCode, accounts.name);
        return c.json(
          { accounts: rows.map((r) => ({ id: accountId(r.name, r.assetCode), name: r.name, asset: r.assetCode, available: r.balance })) },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/customers/{id}/wallet/{account_id}',
        request: { params: z.object({ id: z.string(), account_id: z.string() }) },
        responses: { 200: json(AccountOut.extend({ pending_in: z.string(), pending_out: z.string() }), 'The account') },
      }),
      async (c) => {
        const params = c.req.valid('param');
        const customer = await customerOf(db, c.get('platform').id, params.id);
        const [name, asset] = params.account_id.includes(':') ? params.account_id.split(':', 2) : [DEFAULT_ACCOUNT, params.account_id];
        const [row] = await db
          .select()
          .from(accounts)
          .where(and(eq(accounts.customerId, customer.id), eq(accounts.name, name ?? ''), eq(accounts.assetCode, asset ?? '')));
        if (!row) throw notFound('The account');
        return c.json(
          {
            id: accountId(row.name, row.assetCode),
            name: row.name,
            asset: row.assetCode,
            available: row.balance,
            pending_in: '0',
            pending_out: '0',
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/customers/{id}/wallet/adjustments',
        request: {
          params: z.object({ id: z.string() }),
          body: { content: { 'application/json': { schema: AdjustmentCreate } }, required: true },
        },
        responses: {
          201: json(
            z.object({ id: z.string(), created_at: z.string(), account_id: z.string(), amount: z.string(), balance_after: z.string() }),
            'The adjustment',
          ),
        },
      }),
      async (c) => {
        const platform = c.get('platform');
        const body = c.req.valid('json');
        const customer = await customerOf(db, platform.id, c.req.valid('param').id);
        const asset = await AssetRegistry.one(db, platform.id, body.asset);
        if (!asset) throw invalid([{ path: 'asset', message: `unknown asset ${body.asset}` }]);
        if (!fitsPrecision(body.amount, asset.precision))
          throw invalid([{ path: 'amount', message: `${asset.code} allows at most ${asset.precision} decimal places` }]);
        const accountName = body.account_name ?? DEFAULT_ACCOUNT;
        const occurredAt = body.occurred_at === undefined ? undefined : new Date(body.occurred_at);
        const result = await idempotent(db, {
          platformId: platform.id,
          scope: 'adjustment',
          key: body.transaction_id,
          requestHash: hashRequest({ customer: customer.id, ...body, occurred_at: occurredAt?.toISOString() }),
          status: 201,
          run: async (tx) => {
            const [entry] = await ledger.append(tx, platform.id, customer.id, [
              {
                accountName,
                assetCode: asset.code,
                category: REASON_CATEGORY[body.reason] ?? 'adjustment',
                description: body.description ?? defaultDescription(body.reason),
                amount: body.amount,
                occurredAt: occurredAt ?? new Date(),
                source: `adjustment:${body.transaction_id}`,
                fiatAmount: fiatValue(body.amount, asset, platform.currency),
                fiatCurrency: platform.currency,
                metadata: { reason: body.reason, transaction_id: body.transaction_id, ...(body.metadata ?? {}) },
              },
            ]);
            if (!entry) throw new Error('no entry appended');
            return {
              id: entry.id,
              created_at: entry.createdAt.toISOString(),
              account_id: accountId(accountName, asset.code),
              amount: entry.amount,
              balance_after: entry.balanceAfter,
            };
          },
        });
        return c.json(result, 201);
      },
    );
}

function defaultDescription(reason: string): string {
  return (
    (
      { external_topup: 'Top-up', external_refund: 'Refund', gift: 'Gift', ad_hoc_fee: 'Fee', adjustment: 'Adjustment' } as Record<
        string,
        string
      >
    )[reason] ?? 'Adjustment'
  );
}
