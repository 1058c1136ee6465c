// Wallet: a customer's accounts as the platform and the portal read them (balances, this month's spend) and the
// adjustments a platform books on them. Reads `accounts` and the spend rollups; ledger.ts appends and moves balances.
import { and, count, eq, sql } from 'drizzle-orm';
import {
  fitsPrecision,
  money,
  sum,
  toDecimalString,
  type Category,
  type PortalAccount,
  type PortalWallet,
  GENERIC_DESCRIPTIONS,
} from '@credyt/shared';
import { AssetRegistry, fiatValue } from '../catalog/registry.ts';
import { assetInfo, presentAsset } from '../catalog/portal-assets.ts';
import { customerOf } from '../customers/service.ts';
import { preparedRows, type Database } from '../db/client.ts';
import { accounts, assets, spendDaily, spendRollup } from '../db/schema/index.ts';
import { invalid, notFound } from '../http/problem.ts';
import { hashRequest } from '../ids.ts';
import type { PortalSessionInfo } from '../sessions/context.ts';
import type { PlatformRow } from '../tenancy/api-key.ts';
import { recordGrant } from './grants.ts';
import { idempotent } from './idempotency.ts';
import { DEFAULT_ACCOUNT, type Ledger } from './ledger.ts';

interface AccountRow {
  name: string;
  asset_code: string;
  balance: string;
  /** int8: text from postgres.js, a number or bigint from PGlite; compared as text. */
  version: string | number | bigint;
  asset_name: string | null;
  precision: number | string | null;
  symbol: string | null;
  label: string | null;
  label_singular: string | null;
  rates: string | { source: string; rate: string }[] | null;
}

interface WalletRow extends AccountRow {
  spent: string | null;
  spent_fiat: string | null;
}

export const accountId = (name: string, asset: string) => `${name}:${asset}`;

/** A month in a time zone, cut for the rollups: whole UTC days [d0, d1) from spend_daily, edge hours from spend_rollup. */
interface MonthWindow {
  /** The month's first and next month's first instant. */
  ms: Date;
  me: Date;
  d0: string;
  d1: string;
  /** The edge hours: [ms, e0) and [e1, me). */
  e0: Date;
  e1: Date;
}

const monthWindowRows = preparedRows<{ ms: string; me: string; d0: string; d1: string; e0: string; e1: string }>(sql`
    with m as (
      select ms, me,
        case when (ms at time zone 'UTC')::time = time '00:00' then (ms at time zone 'UTC')::date else (ms at time zone 'UTC')::date + 1 end as d0,
        (me at time zone 'UTC')::date as d1
      from (select date_trunc('month', ${sql.placeholder('now')}::timestamptz at time zone ${sql.placeholder('tz')}::text) at time zone ${sql.placeholder('tz')}::text as ms,
                   (date_trunc('month', ${sql.placeholder('now')}::timestamptz at time zone ${sql.placeholder('tz')}::text) + interval '1 month') at time zone ${sql.placeholder('tz')}::text as me) t
    )
    select to_json(ms)#>>'{}' as ms, to_json(me)#>>'{}' as me, d0::text as d0, d1::text as d1,
      to_json(case when d0 < d1 then d0::timestamp at time zone 'UTC' else me end)#>>'{}' as e0,
      to_json(case when d0 < d1 then d1::timestamp at time zone 'UTC' else me end)#>>'{}' as e1
    from m`);

/**
 * The current month's window per time zone. Calendar arithmetic only, never data: PostgreSQL computes it once per
 * zone and month (its time zone database is the one every other query uses), and it is reused until the month ends.
 */
const monthWindows = new Map<string, MonthWindow>();

async function monthWindow(db: Database, tz: string, now: Date): Promise<MonthWindow> {
  const known = monthWindows.get(tz);
  if (known && known.ms <= now && now < known.me) return known;
  const [row] = await monthWindowRows(db, { now: now.toISOString(), tz });
  const window: MonthWindow = {
    ms: new Date(row!.ms),
    me: new Date(row!.me),
    d0: row!.d0,
    d1: row!.d1,
    e0: new Date(row!.e0),
    e1: new Date(row!.e1),
  };
  if (monthWindows.size >= 1_000) monthWindows.clear();
  monthWindows.set(tz, window);
  return window;
}

const ACCOUNT_COLUMNS = sql`a.name, a.asset_code, a.balance::text as balance, a.version, s.name as asset_name, s.precision, s.symbol, s.label, s.label_singular, s.rates`;

/** Every account with its asset: the balances, read live. */
const accountRows = preparedRows<AccountRow>(sql`
    select ${ACCOUNT_COLUMNS}
    from ${accounts} a
    left join ${assets} s on s.platform_id = ${sql.placeholder('platformId')} and s.code = a.asset_code
    where a.customer_id = ${sql.placeholder('customerId')}
    order by a.asset_code, a.name`);

/**
 * The wallet in one prepared query: every account with its asset and this month's spend (month in `tz`). Balances
 * are read live from `accounts`, the projection the ledger moves in the same transaction: never cached. Spend is
 * summed per account over the month's key range (customer, asset, day/hour), so its cost does not grow with
 * history. It belongs to the default account, where usage is charged.
 */
const walletRows = preparedRows<WalletRow>(sql`
    select ${ACCOUNT_COLUMNS}, x.amount::text as spent, x.fiat::text as spent_fiat
    from ${accounts} a
    left join ${assets} s on s.platform_id = ${sql.placeholder('platformId')} and s.code = a.asset_code
    left join lateral (
      select sum(u.amount) as amount, sum(u.fiat) as fiat from (
        select d.amount, d.fiat_amount as fiat from ${spendDaily} d
          where d.customer_id = a.customer_id and d.asset_code = a.asset_code
            and d.day >= ${sql.placeholder('d0')}::date and d.day < ${sql.placeholder('d1')}::date
        union all
        select r.amount, r.fiat_amount from ${spendRollup} r
          where r.customer_id = a.customer_id and r.asset_code = a.asset_code
            and r.hour >= ${sql.placeholder('ms')}::timestamptz and r.hour < ${sql.placeholder('e0')}::timestamptz
        union all
        select r.amount, r.fiat_amount from ${spendRollup} r
          where r.customer_id = a.customer_id and r.asset_code = a.asset_code
            and r.hour >= ${sql.placeholder('e1')}::timestamptz and r.hour < ${sql.placeholder('me')}::timestamptz
      ) u
    ) x on a.name = ${DEFAULT_ACCOUNT}
    where a.customer_id = ${sql.placeholder('customerId')}
    order by a.asset_code, a.name`);

interface SpendMemo {
  /** Every account's version when the sums were taken, in query order. */
  versions: string;
  rows: WalletRow[];
}

/**
 * This month's spend of a customer, remembered with the versions of all its accounts when it was summed. Every
 * append that writes the spend rollups bumps the versions of the accounts it moves in the same transaction, and
 * every read below takes versions and balances in one statement, so remembered sums are used only while they
 * are exactly current: a read costs one indexed lookup of the accounts, and the rollups are summed again only
 * after an account has moved. Balances always come from the read itself.
 */
const spendMemo = new Map<string, SpendMemo>();
const SPEND_MEMO_MAX = 20_000;
const versionsOf = (rows: AccountRow[]) => rows.map((r) => `${r.name}:${r.asset_code}:${String(r.version)}`).join(' ');

async function walletRowsNow(db: Database, s: WalletOwner, tz: string, now: Date) {
  const w = await monthWindow(db, tz, now);
  const key = `${s.customerId} ${tz} ${w.ms.getTime()}`;
  const current = await accountRows(db, { platformId: s.platform.id, customerId: s.customerId });
  const memo = spendMemo.get(key);
  if (memo && memo.versions === versionsOf(current)) {
    return current.map((r, i): WalletRow => ({ ...r, spent: memo.rows[i]!.spent, spent_fiat: memo.rows[i]!.spent_fiat }));
  }
  const rows = await walletRows(db, {
    platformId: s.platform.id,
    customerId: s.customerId,
    d0: w.d0,
    d1: w.d1,
    ms: w.ms.toISOString(),
    e0: w.e0.toISOString(),
    e1: w.e1.toISOString(),
    me: w.me.toISOString(),
  });
  spendMemo.delete(key);
  if (spendMemo.size >= SPEND_MEMO_MAX) spendMemo.delete(spendMemo.keys().next().value!);
  spendMemo.set(key, { versions: versionsOf(rows), rows });
  return rows;
}

/** Whose wallet: the customer, and of the platform only what the wallet reads (a live stream keeps no more). */
export interface WalletOwner {
  customerId: string;
  platform: Pick<PortalSessionInfo['platform'], 'id' | 'currency'>;
}

export async function loadWallet(db: Database, s: WalletOwner, tz: string, now: Date): Promise<PortalWallet> {
  const result = await walletRowsNow(db, s, tz, now);
  const rows = result.map((r) => ({
    name: r.name,
    assetCode: r.asset_code,
    balance: r.balance,
    assetName: r.asset_name,
    precision: r.precision === null ? null : Number(r.precision),
    symbol: r.symbol,
    label: r.label,
    labelSingular: r.label_singular,
    rates: typeof r.rates === 'string' ? (JSON.parse(r.rates) as { source: string; rate: string }[]) : r.rates,
    spent: r.spent,
    spentFiat: r.spent_fiat,
  }));

  const currency = s.platform.currency;
  const list: PortalAccount[] = rows.map((r) => {
    const asset = assetInfo(r.assetCode, {
      name: r.assetName,
      precision: r.precision,
      symbol: r.symbol,
      label: r.label,
      labelSingular: r.labelSingular,
      rates: r.rates,
    });
    return {
      id: accountId(r.name, r.assetCode),
      asset: presentAsset(asset, currency),
      available: toDecimalString(r.balance),
      fiat_value: fiatValue(r.balance, asset, currency),
      fiat_currency: currency,
      spent_this_month: toDecimalString(r.spent ?? '0'),
      pending_in: '0',
    };
  });
  // The rollup's fiat column is in the platform currency at the rate of each charge: summed exactly.
  return { accounts: list, spent_this_month: { currency, amount: sum(rows.map((r) => r.spentFiat ?? '0')) } };
}

export type Account = typeof accounts.$inferSelect;

/** The customer's accounts, as the wallet lists them. */
export async function customerAccounts(db: Database, platformId: string, customerId: string): Promise<Account[]> {
  const customer = await customerOf(db, platformId, customerId);
  return db.select().from(accounts).where(eq(accounts.customerId, customer.id)).orderBy(accounts.assetCode, accounts.name);
}

/** How many accounts the customer has: the hosted page's skeleton draws that many balances. */
export async function accountCount(db: Database, platformId: string, customerId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(accounts)
    .where(and(eq(accounts.customerId, customerId), eq(accounts.platformId, platformId)));
  return Number(row?.n ?? 0);
}

/** One account by its id: `name:ASSET`, or a bare asset code for the default account. */
export async function customerAccount(db: Database, platformId: string, customerId: string, id: string): Promise<Account> {
  const customer = await customerOf(db, platformId, customerId);
  const [name = '', asset = ''] = id.includes(':') ? id.split(':', 2) : [DEFAULT_ACCOUNT, id];
  // Account ids match whatever the case (`default:usd` is `default:USD`, as at Credyt); asset codes are upper case, and
  // of two names that differ only in case the exact one wins.
  const [row] = await db
    .select()
    .from(accounts)
    .where(
      and(eq(accounts.customerId, customer.id), sql`lower(${accounts.name}) = lower(${name})`, eq(accounts.assetCode, asset.toUpperCase())),
    )
    .orderBy(sql`${accounts.name} = ${name} desc`)
    .limit(1);
  if (!row) throw notFound('The account');
  return row;
}

/** Why a platform moves money by hand: the category the entry is listed under and its description by default. */
const REASONS = {
  external_topup: { category: 'top_up', description: GENERIC_DESCRIPTIONS.top_up },
  external_refund: { category: 'refund', description: GENERIC_DESCRIPTIONS.refund },
  gift: { category: 'gift', description: GENERIC_DESCRIPTIONS.gift },
  ad_hoc_fee: { category: 'fee', description: GENERIC_DESCRIPTIONS.fee },
  adjustment: { category: 'adjustment', description: GENERIC_DESCRIPTIONS.adjustment },
} as const satisfies Record<string, { category: Category; description: string }>;

export type AdjustmentReason = keyof typeof REASONS;
export const ADJUSTMENT_REASONS = Object.keys(REASONS) as [AdjustmentReason, ...AdjustmentReason[]];

export interface AdjustmentInput {
  /** The idempotency key. */
  transaction_id: string;
  asset: string;
  /** Signed, never zero. */
  amount: string;
  account_name?: string | undefined;
  description?: string | undefined;
  reason: AdjustmentReason;
  metadata?: Record<string, unknown> | undefined;
  occurred_at?: string | undefined;
  /** When the credit lapses (Credyt's `expires_at`); only a credit can carry one. */
  expires_at?: string | undefined;
}

export interface Adjustment {
  id: string;
  created_at: string;
  account_id: string;
  amount: string;
  balance_after: string;
}

/**
 * Books a platform's adjustment once per `transaction_id`: a replay answers the first adjustment, the same id with
 * another request is a 409. The amount must fit the asset's precision.
 */
export async function adjustWallet(
  db: Database,
  ledger: Ledger,
  platform: PlatformRow,
  customerId: string,
  body: AdjustmentInput,
): Promise<Adjustment> {
  const customer = await customerOf(db, platform.id, customerId);
  const asset = await AssetRegistry.one(db, platform.id, body.asset);
  if (!asset) throw invalid([{ path: 'asset', message: `unknown asset ${body.asset}` }]);
  if (!fitsPrecision(body.amount, asset.precision))
    throw invalid([{ path: 'amount', message: `${asset.code} allows at most ${asset.precision} decimal places` }]);
  const credit = money(body.amount).greaterThan(0);
  if (body.expires_at !== undefined && !credit)
    throw invalid([{ path: 'expires_at', message: 'only a credit (a positive amount) can expire' }]);
  const accountName = body.account_name ?? DEFAULT_ACCOUNT;
  const occurredAt = body.occurred_at === undefined ? undefined : new Date(body.occurred_at);
  const reason = REASONS[body.reason];
  return idempotent(db, {
    platformId: platform.id,
    scope: 'adjustment',
    key: body.transaction_id,
    requestHash: hashRequest({
      customer: customer.id,
      ...body,
      occurred_at: occurredAt?.toISOString(),
      expires_at: body.expires_at === undefined ? undefined : new Date(body.expires_at).toISOString(),
    }),
    status: 201,
    run: async (tx) => {
      const [entry] = await ledger.append(tx, platform.id, customer.id, [
        {
          accountName,
          assetCode: asset.code,
          category: reason.category,
          description: body.description ?? reason.description,
          amount: body.amount,
          occurredAt: occurredAt ?? new Date(),
          source: `adjustment:${body.transaction_id}`,
          fiatAmount: fiatValue(body.amount, asset, platform.currency),
          fiatCurrency: platform.currency,
          metadata: { reason: body.reason, transaction_id: body.transaction_id, ...(body.metadata ?? {}) },
        },
      ]);
      if (!entry) throw new Error('no entry appended');
      // Every credit is a grant, with its purpose and expiry, for the spending order and expiry built on it.
      if (credit)
        await recordGrant(tx, {
          platformId: platform.id,
          customerId: customer.id,
          accountName,
          assetCode: asset.code,
          amount: entry.amount,
          purpose: body.reason === 'external_topup' ? 'paid' : 'promotional',
          expiresAt: body.expires_at === undefined ? null : new Date(body.expires_at),
          source: `adjustment:${body.transaction_id}`,
          entryId: entry.id,
        });
      return {
        id: entry.id,
        created_at: entry.createdAt.toISOString(),
        account_id: accountId(accountName, asset.code),
        amount: entry.amount,
        balance_after: entry.balanceAfter,
      };
    },
  });
}
