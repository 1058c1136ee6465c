import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { sum, toDecimalString, type PortalAccount, type PortalWallet } from '@credyt/shared';
import { fiatValue } from '../assets/registry.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { accounts, assets, spendRollup } from '../db/schema/index.ts';
import { createRouter } from '../http/router.ts';
import { DEFAULT_ACCOUNT } from '../ledger/append.ts';
import { assetInfo, presentAsset } from './assets.ts';
import type { PortalEnv, PortalSessionInfo } from './context.ts';
import { TimeZoneParam } from './time.ts';
import { validQuery } from './validate.ts';

const WalletQuery = z.object({ tz: TimeZoneParam });

export const accountId = (name: string, asset: string) => `${name}:${asset}`;

/**
 * The wallet in one query: every account with its asset and this month's spend (month in `tz`). Balances are read
 * live from `accounts`, the projection the ledger moves in the same transaction: never cached. Spend is summed
 * per account from the hourly rollup over the month's key range (customer, asset, hour), so its cost does not
 * grow with history; it belongs to the default account, where usage is charged.
 */
export async function loadWallet(
  db: Database,
  s: Pick<PortalSessionInfo, 'customerId' | 'platform'>,
  tz: string,
  now: Date,
): Promise<PortalWallet> {
  const instant = now.toISOString();
  const monthStart = sql`(date_trunc('month', ${instant}::timestamptz at time zone ${tz}::text) at time zone ${tz}::text)`;
  const monthEnd = sql`((date_trunc('month', ${instant}::timestamptz at time zone ${tz}::text) + interval '1 month') at time zone ${tz}::text)`;
  const monthSum = (column: typeof spendRollup.amount | typeof spendRollup.fiatAmount) =>
    sql<string | null>`(select sum(${column}) from ${spendRollup} where ${spendRollup.customerId} = ${accounts.customerId}
      and ${spendRollup.assetCode} = ${accounts.assetCode} and ${accounts.name} = ${DEFAULT_ACCOUNT}
      and ${spendRollup.hour} >= ${monthStart} and ${spendRollup.hour} < ${monthEnd})`;
  const rows = await db
    .select({
      name: accounts.name,
      assetCode: accounts.assetCode,
      balance: accounts.balance,
      assetName: assets.name,
      precision: assets.precision,
      symbol: assets.symbol,
      label: assets.label,
      rates: assets.rates,
      spent: monthSum(spendRollup.amount),
      spentFiat: monthSum(spendRollup.fiatAmount),
    })
    .from(accounts)
    .leftJoin(assets, and(eq(assets.platformId, s.platform.id), eq(assets.code, accounts.assetCode)))
    .where(eq(accounts.customerId, s.customerId))
    .orderBy(accounts.assetCode, accounts.name);

  const currency = s.platform.currency;
  const list: PortalAccount[] = rows.map((r) => {
    const asset = assetInfo(r.assetCode, { name: r.assetName, precision: r.precision, symbol: r.symbol, label: r.label, rates: r.rates });
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

export function walletRoutes(db: Database, clock: Clock) {
  return createRouter<PortalEnv>().get('/wallet', validQuery(WalletQuery), async (c) =>
    c.json(await loadWallet(db, c.get('portal'), c.req.valid('query').tz, clock.now())),
  );
}
