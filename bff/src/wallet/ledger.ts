import { and, eq, inArray, sql } from 'drizzle-orm';
import { fitsLedger, LEDGER_INTEGER_DIGITS, money, toDecimalString, type Category } from '@credyt/shared';
import { resultRows, type Executor } from '../db/client.ts';
import { accounts, autoTopUpSettings, entries } from '../db/schema/index.ts';
import { invalid, ProblemError } from '../http/problem.ts';
import { newId } from '../ids.ts';

export const DEFAULT_ACCOUNT = 'default';

export interface EntryDraft {
  accountName?: string;
  assetCode: string;
  category: Category;
  description: string;
  /** Signed: a debit is negative. */
  amount: string;
  occurredAt: Date;
  source: string;
  fiatAmount: string | null;
  fiatCurrency: string;
  eventId?: string;
  productCode?: string;
  productName?: string;
  priceName?: string;
  feeDescription?: string;
  subject?: string | null;
  eventDescription?: string | null;
  receiptUrl?: string | null;
  metadata?: Record<string, unknown> | null;
}

export type EntryRow = typeof entries.$inferSelect;

const accountKey = (name: string, asset: string) => `${name}\u0000${asset}`;

/** An account this write moved, with its auto top-up setting, read under the same lock. */
export interface AccountMove {
  name: string;
  assetCode: string;
  before: ReturnType<typeof money>;
  after: ReturnType<typeof money>;
  autoTopUp: { enabled: boolean; paused: boolean; threshold: string; paymentMethodId: string | null } | null;
}

/** What one `appendEntries` wrote: what its subscribers are told, in the same transaction. */
export interface Appended {
  platformId: string;
  customerId: string;
  entries: EntryRow[];
  accounts: AccountMove[];
}

/** Runs after every append, in its transaction: a failure rolls the write back. */
export type LedgerSubscriber = (tx: Executor, appended: Appended) => Promise<void>;

/**
 * Appends entries to a customer's wallet inside the caller's transaction: locks the accounts touched (in a fixed
 * order, so concurrent writers cannot deadlock), chains `balance_after` and moves the balances by exactly the sum
 * appended. The balance therefore always equals the sum of entries. Nothing else: see `Ledger` for what follows.
 */
export async function appendEntries(tx: Executor, platformId: string, customerId: string, drafts: EntryDraft[]): Promise<Appended> {
  const appended: Appended = { platformId, customerId, entries: [], accounts: [] };
  if (drafts.length === 0) return appended;
  const wanted = new Map<string, { name: string; asset: string }>();
  for (const d of drafts) {
    const name = d.accountName ?? DEFAULT_ACCOUNT;
    wanted.set(accountKey(name, d.assetCode), { name, asset: d.assetCode });
  }
  const keys = [...wanted.values()].sort((a, b) => (a.asset === b.asset ? a.name.localeCompare(b.name) : a.asset < b.asset ? -1 : 1));
  const assetCodes = [...new Set(keys.map((k) => k.asset))];

  // The auto top-up setting rides along with the lock: its outbox then decides whether this write crosses a
  // threshold without another statement.
  const lock = () =>
    tx
      .select({
        name: accounts.name,
        assetCode: accounts.assetCode,
        balance: accounts.balance,
        autoTopUp: {
          enabled: autoTopUpSettings.enabled,
          paused: autoTopUpSettings.paused,
          threshold: autoTopUpSettings.threshold,
          paymentMethodId: autoTopUpSettings.paymentMethodId,
        },
      })
      .from(accounts)
      .leftJoin(
        autoTopUpSettings,
        and(eq(autoTopUpSettings.customerId, accounts.customerId), eq(autoTopUpSettings.assetCode, accounts.assetCode)),
      )
      .where(and(eq(accounts.customerId, customerId), inArray(accounts.assetCode, assetCodes)))
      .orderBy(accounts.assetCode, accounts.name)
      .for('update', { of: accounts });
  let locked = await lock();
  if (keys.some((k) => !locked.some((r) => r.name === k.name && r.assetCode === k.asset))) {
    await tx
      .insert(accounts)
      .values(keys.map((k) => ({ customerId, platformId, name: k.name, assetCode: k.asset })))
      .onConflictDoNothing();
    locked = await lock();
  }
  const balances = new Map(locked.map((r) => [accountKey(r.name, r.assetCode), money(r.balance)]));
  const opening = new Map(balances);

  const rows = drafts.map((d) => {
    const key = accountKey(d.accountName ?? DEFAULT_ACCOUNT, d.assetCode);
    if (!fitsLedger(d.amount)) throw invalid([{ path: 'amount', message: `${d.amount} is beyond the ledger's scale` }]);
    if (d.fiatAmount !== null && !fitsLedger(d.fiatAmount)) {
      throw invalid([{ path: 'amount', message: `is worth ${d.fiatAmount} ${d.fiatCurrency}, beyond the ledger's range` }]);
    }
    const after = (balances.get(key) ?? money(0)).plus(d.amount);
    // Exact: both terms have at most 18 decimals and are below 10^20. The result must be too.
    if (!fitsLedger(after)) {
      throw new ProblemError(
        422,
        `This would take the ${d.assetCode} balance to 10^${LEDGER_INTEGER_DIGITS} or beyond, more than the ledger holds.`,
        [{ path: 'amount', message: 'would take the balance beyond the ledger’s range' }],
      );
    }
    balances.set(key, after);
    return {
      id: newId('txn'),
      platformId,
      customerId,
      accountName: d.accountName ?? DEFAULT_ACCOUNT,
      assetCode: d.assetCode,
      category: d.category,
      description: d.description,
      amount: toDecimalString(d.amount),
      balanceAfter: toDecimalString(after),
      fiatAmount: d.fiatAmount,
      fiatCurrency: d.fiatCurrency,
      occurredAt: d.occurredAt,
      source: d.source,
      eventId: d.eventId ?? null,
      productCode: d.productCode ?? null,
      productName: d.productName ?? null,
      priceName: d.priceName ?? null,
      feeDescription: d.feeDescription ?? null,
      subject: d.subject ?? null,
      eventDescription: d.eventDescription ?? null,
      receiptUrl: d.receiptUrl ?? null,
      metadata: d.metadata ?? null,
    };
  });
  // One JSON parameter instead of a placeholder per cell: the statement is the same for any batch size and
  // PostgreSQL parses numeric text exactly.
  const stored = await tx.execute<{ id: string; seq: number | string; created_at: string | Date }>(sql`
    insert into ${entries} (id, platform_id, customer_id, account_name, asset_code, category, description, amount, balance_after,
      fiat_amount, fiat_currency, occurred_at, source, event_id, product_code, product_name, price_name, fee_description, subject,
      event_description, receipt_url, metadata)
    select id, platform_id, customer_id, account_name, asset_code, category, description, amount, balance_after,
      fiat_amount, fiat_currency, occurred_at, source, event_id, product_code, product_name, price_name, fee_description, subject,
      event_description, receipt_url, metadata
    from json_to_recordset(${JSON.stringify(rows.map(toRecord))}::json) as x(id text, platform_id text, customer_id text,
      account_name text, asset_code text, category text, description text, amount numeric, balance_after numeric, fiat_amount numeric,
      fiat_currency text, occurred_at timestamptz, source text, event_id text, product_code text, product_name text, price_name text,
      fee_description text, subject text, event_description text, receipt_url text, metadata jsonb)
    returning id, seq, created_at`);
  const storedById = new Map(resultRows<{ id: string; seq: number | string; created_at: string | Date }>(stored).map((r) => [r.id, r]));
  const inserted: EntryRow[] = rows.map((r) => {
    const s = storedById.get(r.id);
    if (!s) throw new Error(`entry ${r.id} was not stored`);
    return { ...r, seq: Number(s.seq), createdAt: new Date(s.created_at) };
  });

  for (const k of keys) {
    const balance = balances.get(accountKey(k.name, k.asset));
    if (!balance) continue;
    await tx
      .update(accounts)
      .set({ balance: toDecimalString(balance), version: sql`${accounts.version} + 1` })
      .where(and(eq(accounts.customerId, customerId), eq(accounts.name, k.name), eq(accounts.assetCode, k.asset)));
  }

  appended.entries = inserted;
  appended.accounts = locked.flatMap((r) => {
    const key = accountKey(r.name, r.assetCode);
    const before = opening.get(key);
    const after = balances.get(key);
    return before && after ? [{ name: r.name, assetCode: r.assetCode, before, after, autoTopUp: r.autoTopUp }] : [];
  });
  return appended;
}

/**
 * The ledger as the features write to it: `append` appends, then tells each subscriber (spend rollups, the auto
 * top-up outbox, the live streams' notification), in order and in the same transaction. Built once per app.
 */
export class Ledger {
  constructor(private readonly subscribers: readonly LedgerSubscriber[]) {}

  async append(tx: Executor, platformId: string, customerId: string, drafts: EntryDraft[]): Promise<EntryRow[]> {
    if (drafts.length === 0) return [];
    const appended = await appendEntries(tx, platformId, customerId, drafts);
    for (const subscriber of this.subscribers) await subscriber(tx, appended);
    return appended.entries;
  }
}

/** The row as `json_to_recordset` reads it: snake_case keys, timestamps as ISO text. */
function toRecord(r: Omit<EntryRow, 'seq' | 'createdAt'>) {
  return {
    id: r.id,
    platform_id: r.platformId,
    customer_id: r.customerId,
    account_name: r.accountName,
    asset_code: r.assetCode,
    category: r.category,
    description: r.description,
    amount: r.amount,
    balance_after: r.balanceAfter,
    fiat_amount: r.fiatAmount,
    fiat_currency: r.fiatCurrency,
    occurred_at: r.occurredAt.toISOString(),
    source: r.source,
    event_id: r.eventId,
    product_code: r.productCode,
    product_name: r.productName,
    price_name: r.priceName,
    fee_description: r.feeDescription,
    subject: r.subject,
    event_description: r.eventDescription,
    receipt_url: r.receiptUrl,
    metadata: r.metadata,
  };
}
