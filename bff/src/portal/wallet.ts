import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { sum, toDecimalString, type PortalAccount, type PortalWallet } from '@credyt/shared';
import { fiatValue } from '../assets/registry.ts';
import type { Clock } from '../clock.ts';
import { queryRows, type Database } from '../db/client.ts';
import { accounts, assets, spendDaily, spendRollup } from '../db/schema/index.ts';
import { createRouter } from '../http/router.ts';
import { DEFAULT_ACCOUNT } from '../ledger/append.ts';
import { assetInfo, presentAsset } from './assets.ts';
import type { PortalEnv, PortalSessionInfo } from './context.ts';
import { TimeZoneParam } from './time.ts';
import { validQuery } from './validate.ts';

const WalletQuery = z.object({ tz: TimeZoneParam });

interface WalletRow {
  name: string;
  asset_code: string;
  balance: string;
  asset_name: string | null;
  precision: number | string | null;
  symbol: string | null;
  label: string | null;
  rates: string | { source: string; rate: string }[] | null;
  spent: string | null;
  spent_fiat: string | null;
}

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
  // This month in `tz`, as instants; whole UTC days inside it come from spend_daily, the edge hours from spend_rollup.
  const result = await queryRows<WalletRow>(
    db,
    sql`
    with m as (
      select ms, me,
        case when (ms at time zone 'UTC')::time = time '00:00' then (ms at time zone 'UTC')::date else (ms at time zone 'UTC')::date + 1 end as d0,
        (me at time zone 'UTC')::date as d1
      from (select date_trunc('month', ${instant}::timestamptz at time zone ${tz}::text) at time zone ${tz}::text as ms,
                   (date_trunc('month', ${instant}::timestamptz at time zone ${tz}::text) + interval '1 month') at time zone ${tz}::text as me) t
    ), b as (
      select ms, me, d0, d1,
        case when d0 < d1 then d0::timestamp at time zone 'UTC' else me end as e0,
        case when d0 < d1 then d1::timestamp at time zone 'UTC' else me end as e1
      from m
    )
    select a.name, a.asset_code, a.balance::text as balance, s.name as asset_name, s.precision, s.symbol, s.label, s.rates,
      x.amount::text as spent, x.fiat::text as spent_fiat
    from ${accounts} a
    cross join b
    left join ${assets} s on s.platform_id = ${s.platform.id} and s.code = a.asset_code
    left join lateral (
      select sum(u.amount) as amount, sum(u.fiat) as fiat from (
        select d.amount, d.fiat_amount as fiat from ${spendDaily} d
          where d.customer_id = a.customer_id and d.asset_code = a.asset_code and d.day >= b.d0 and d.day < b.d1
        union all
        select r.amount, r.fiat_amount from ${spendRollup} r
          where r.customer_id = a.customer_id and r.asset_code = a.asset_code and r.hour >= b.ms and r.hour < b.e0
        union all
        select r.amount, r.fiat_amount from ${spendRollup} r
          where r.customer_id = a.customer_id and r.asset_code = a.asset_code and r.hour >= b.e1 and r.hour < b.me
      ) u
    ) x on a.name = ${DEFAULT_ACCOUNT}
    where a.customer_id = ${s.customerId}
    order by a.asset_code, a.name`,
  );
  const rows = result.map((r) => ({
    name: r.name,
    assetCode: r.asset_code,
    balance: r.balance,
    assetName: r.asset_name,
    precision: r.precision === null ? null : Number(r.precision),
    symbol: r.symbol,
    label: r.label,
    rates: typeof r.rates === 'string' ? (JSON.parse(r.rates) as { source: string; rate: string }[]) : r.rates,
    spent: r.spent,
    spentFiat: r.spent_fiat,
  }));

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
