import { createRoute, z } from '@hono/zod-openapi';
import { DecimalInput, Instant, money } from '@credyt/shared';
import type { Database } from '../db/client.ts';
import { WireAmount } from '../http/amounts-as-numbers.ts';
import { createRouter, json } from '../http/router.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';
import type { Ledger } from './ledger.ts';
import { accountId, ADJUSTMENT_REASONS, adjustWallet, customerAccount, customerAccounts, type Account } from './service.ts';

/** A client's clock may run a little ahead of ours. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const AdjustmentCreate = z.object({
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
  reason: z.enum(ADJUSTMENT_REASONS),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /**
   * When the movement happened, for one booked later (a top-up imported from another system); default now. It dates
   * the entry in the customer's history and spend; it never reorders the ledger, whose running balance is by booking.
   */
  occurred_at: Instant.refine((v) => Date.parse(v) <= Date.now() + CLOCK_SKEW_MS, 'must not be in the future').optional(),
  /**
   * When the credit lapses (https://docs.dev.credyt.ai/advanced-topics/adjustments-charges-gifts): stored on its grant.
   * Any instant is taken, as Credyt's own example (a past date) is; one already past lapses when expiry first runs.
   */
  expires_at: Instant.optional(),
});

const AccountOut = z.object({ id: z.string(), name: z.string(), asset: z.string(), available: WireAmount });

const presentAccount = (a: Account): z.infer<typeof AccountOut> => ({
  id: accountId(a.name, a.assetCode),
  name: a.name,
  asset: a.assetCode,
  available: a.balance,
});

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
        const rows = await customerAccounts(db, c.get('platform').id, c.req.valid('param').id);
        return c.json({ accounts: rows.map(presentAccount) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/customers/{id}/wallet/{account_id}',
        request: { params: z.object({ id: z.string(), account_id: z.string() }) },
        responses: { 200: json(AccountOut.extend({ pending_in: WireAmount, pending_out: WireAmount }), 'The account') },
      }),
      async (c) => {
        const params = c.req.valid('param');
        const row = await customerAccount(db, c.get('platform').id, params.id, params.account_id);
        return c.json({ ...presentAccount(row), pending_in: '0', pending_out: '0' }, 200);
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
            z.object({ id: z.string(), created_at: z.string(), account_id: z.string(), amount: WireAmount, balance_after: WireAmount }),
            'The adjustment',
          ),
        },
      }),
      async (c) => c.json(await adjustWallet(db, ledger, c.get('platform'), c.req.valid('param').id, c.req.valid('json')), 201),
    );
}
