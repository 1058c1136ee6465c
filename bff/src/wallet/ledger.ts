import { sql } from 'drizzle-orm';
import { fitsLedger, LEDGER_INTEGER_DIGITS, money, toDecimalString, type Category } from '@credyt/shared';
import { resultRows, type Executor } from '../db/client.ts';
import { accounts, autoTopUpSettings, entries } from '../db/schema/index.ts';
import { invalid, ProblemError } from '../http/problem.ts';
import { newId } from '../ids.ts';
import { metrics } from '../metrics.ts';

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

const accountKey = (customerId: string, name: string, asset: string) => `${customerId}\u0000${name}\u0000${asset}`;

/** An account this write moved, with its auto top-up setting, read under the same lock. */
export interface AccountMove {
  name: string;
  assetCode: string;
  before: ReturnType<typeof money>;
  after: ReturnType<typeof money>;
  autoTopUp: { enabled: boolean; paused: boolean; threshold: string; paymentMethodId: string | null } | null;
}

/** What one append wrote for one customer: what its subscribers are told, in the same transaction. */
export interface Appended {
  platformId: string;
  customerId: string;
  entries: EntryRow[];
  accounts: AccountMove[];
}

/** Entries for one customer's wallet, as one caller (a request, a payment) asks for them. */
export interface LedgerWrite {
  platformId: string;
  customerId: string;
  drafts: EntryDraft[];
}

/**
 * Runs after every append, in its transaction, with what it wrote per customer (one or, for a group commit, many):
 * a failure rolls the write back.
 */
export type LedgerSubscriber = (tx: Executor, appended: Appended[]) => Promise<void>;

/** Appends one customer's entries; see `appendWrites`. */
export async function appendEntries(tx: Executor, platformId: string, customerId: string, drafts: EntryDraft[]): Promise<Appended> {
  const { appended } = await appendWrites(tx, [{ platformId, customerId, drafts }]);
  return appended[0] ?? { platformId, customerId, entries: [], accounts: [] };
}

const byAccount = (a: { customerId: string; asset: string; name: string }, b: { customerId: string; asset: string; name: string }) =>
  a.customerId !== b.customerId
    ? a.customerId < b.customerId
      ? -1
      : 1
    : a.asset !== b.asset
      ? a.asset < b.asset
        ? -1
        : 1
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0;

/**
 * Appends entries to customers' wallets inside the caller's transaction, in a fixed number of statements however
 * many writes and customers: locks the accounts touched (ordered by customer, asset and name, so concurrent writers
 * cannot deadlock), chains `balance_after` in the order the writes and their drafts are given, and moves each
 * balance by exactly the sum appended. The balance therefore always equals the sum of entries. Returns the entries
 * of each write, in its order, and what was appended per customer. Nothing else: see `Ledger` for what follows.
 */
async function appendWrites(tx: Executor, writes: LedgerWrite[]): Promise<{ entries: EntryRow[][]; appended: Appended[] }> {
  const plan = await planWrites(tx, writes);
  await plan.store();
  return plan;
}

interface LockedRow {
  customer_id: string;
  name: string;
  asset_code: string;
  balance: string;
  enabled: boolean | null;
  paused: boolean | null;
  threshold: string | null;
  payment_method_id: string | null;
}

/** A write worked out under its locks: every entry in full, what each customer's accounts move by; `store` writes it. */
interface Plan {
  entries: EntryRow[][];
  appended: Appended[];
  store(): Promise<void>;
}

/**
 * Locks, numbers and computes what `appendWrites` stores, without storing it: the ledger then stores it in the
 * same round trip as its subscribers write what follows from it.
 */
async function planWrites(tx: Executor, writes: LedgerWrite[]): Promise<Plan> {
  const wanted = new Map<string, { customerId: string; platformId: string; name: string; asset: string }>();
  for (const w of writes) {
    for (const d of w.drafts) {
      const name = d.accountName ?? DEFAULT_ACCOUNT;
      wanted.set(accountKey(w.customerId, name, d.assetCode), {
        customerId: w.customerId,
        platformId: w.platformId,
        name,
        asset: d.assetCode,
      });
    }
  }
  if (wanted.size === 0) return { entries: writes.map(() => []), appended: [], store: async () => {} };
  const keys = [...wanted.values()].sort(byAccount);
  const customerIds = [...new Set(keys.map((k) => k.customerId))];
  const assetCodes = [...new Set(keys.map((k) => k.asset))];

  // The auto top-up setting rides along with the lock: its outbox then decides whether this write crosses a
  // threshold without another statement. Rows of these customers in these assets are locked, a superset of those
  // written: other accounts of the same customers only.
  // Raw SQL through `tx.execute`, like `numbers`: the two calls take the same path to the driver, so they are sent
  // in the order they are made and the seqs are taken after the locks are held.
  const lock = async () =>
    resultRows<LockedRow>(
      await tx.execute(sql`
        select a.customer_id, a.name, a.asset_code, a.balance::text as balance, s.enabled, s.paused, s.threshold::text as threshold,
          s.payment_method_id
        from ${accounts} a left join ${autoTopUpSettings} s on s.customer_id = a.customer_id and s.asset_code = a.asset_code
        where a.customer_id = any(array(select json_array_elements_text(${JSON.stringify(customerIds)}::json)))
          and a.asset_code = any(array(select json_array_elements_text(${JSON.stringify(assetCodes)}::json)))
        order by a.customer_id, a.asset_code, a.name
        for update of a`),
    ).map((r) => ({
      customerId: r.customer_id,
      name: r.name,
      assetCode: r.asset_code,
      balance: r.balance,
      autoTopUp:
        r.enabled === null
          ? null
          : { enabled: r.enabled, paused: r.paused!, threshold: r.threshold!, paymentMethodId: r.payment_method_id },
    }));
  const count = writes.reduce((n, w) => n + w.drafts.length, 0);
  // The entries' seqs and the transaction's instant are taken under the locks, in the same round trip: a
  // customer's seqs then follow its balance chain, and every entry is known in full before it is stored.
  let [locked, numbered] = await Promise.all([lock(), numbers(tx, count)]);
  const has = (k: { customerId: string; name: string; asset: string }) =>
    locked.some((r) => r.customerId === k.customerId && r.name === k.name && r.assetCode === k.asset);
  const missing = keys.filter((k) => !has(k));
  if (missing.length > 0) {
    await tx
      .insert(accounts)
      .values(missing.map((k) => ({ customerId: k.customerId, platformId: k.platformId, name: k.name, assetCode: k.asset })))
      .onConflictDoNothing();
    // Seqs taken before a new account was locked could precede a concurrent writer's to it: take them again.
    [locked, numbered] = await Promise.all([lock(), numbers(tx, count)]);
  }
  let next = 0;
  const balances = new Map(locked.map((r) => [accountKey(r.customerId, r.name, r.assetCode), money(r.balance)]));
  const opening = new Map(balances);

  const rowsByWrite = writes.map((w) =>
    w.drafts.map((d) => {
      const key = accountKey(w.customerId, d.accountName ?? DEFAULT_ACCOUNT, d.assetCode);
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
      const { seq, at } = numbered[next++]!;
      return {
        seq: Number(seq),
        createdAt: new Date(at),
        createdAtText: at,
        id: newId('txn'),
        platformId: w.platformId,
        customerId: w.customerId,
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
    }),
  );
  const moved = keys.flatMap((k) => {
    const balance = balances.get(accountKey(k.customerId, k.name, k.asset));
    return balance ? [{ customer_id: k.customerId, name: k.name, asset_code: k.asset, balance: toDecimalString(balance) }] : [];
  });
  const entriesByWrite: EntryRow[][] = rowsByWrite.map((group) => group.map(({ createdAtText: _, ...row }) => row));
  const appended = new Map<string, Appended>();
  writes.forEach((w, i) => {
    if (entriesByWrite[i]!.length === 0) return;
    let a = appended.get(w.customerId);
    if (!a) appended.set(w.customerId, (a = { platformId: w.platformId, customerId: w.customerId, entries: [], accounts: [] }));
    a.entries.push(...entriesByWrite[i]!);
  });
  for (const r of locked) {
    const key = accountKey(r.customerId, r.name, r.assetCode);
    const before = opening.get(key);
    const after = balances.get(key);
    const a = appended.get(r.customerId);
    if (a && before && after && wanted.has(key))
      a.accounts.push({ name: r.name, assetCode: r.assetCode, before, after, autoTopUp: r.autoTopUp });
  }
  const rows = rowsByWrite.flat();
  return { entries: entriesByWrite, appended: [...appended.values()], store: () => storeEntries(tx, rows, moved) };
}

/** `count` seqs of `entries`, ascending, and the transaction's instant (its `now()`, the entries' `created_at`). */
async function numbers(tx: Executor, count: number): Promise<{ seq: string; at: string }[]> {
  const result = await tx.execute<{ seq: string; at: string }>(sql`
    select nextval(pg_get_serial_sequence('entries', 'seq'))::text as seq, to_json(now())#>>'{}' as at
    from generate_series(1, ${count}::int)`);
  return resultRows<{ seq: string; at: string }>(result);
}

/**
 * Stores planned entries and moves the balances, the two statements sent together (pipelined): neither needs
 * the other's answer. One JSON parameter per statement instead of a placeholder per cell: the statement is the
 * same for any batch size and PostgreSQL parses numeric text exactly.
 */
async function storeEntries(
  tx: Executor,
  rows: (EntryRow & { createdAtText: string })[],
  moved: { customer_id: string; name: string; asset_code: string; balance: string }[],
): Promise<void> {
  await Promise.all([
    tx.execute(sql`
      insert into ${entries} (seq, created_at, id, platform_id, customer_id, account_name, asset_code, category, description, amount,
        balance_after, fiat_amount, fiat_currency, occurred_at, source, event_id, product_code, product_name, price_name,
        fee_description, subject, event_description, receipt_url, metadata)
      overriding system value
      select seq, created_at, id, platform_id, customer_id, account_name, asset_code, category, description, amount, balance_after,
        fiat_amount, fiat_currency, occurred_at, source, event_id, product_code, product_name, price_name, fee_description, subject,
        event_description, receipt_url, metadata
      from json_to_recordset(${JSON.stringify(rows.map(toRecord))}::json) as x(seq bigint, created_at timestamptz, id text,
        platform_id text, customer_id text, account_name text, asset_code text, category text, description text, amount numeric,
        balance_after numeric, fiat_amount numeric, fiat_currency text, occurred_at timestamptz, source text, event_id text,
        product_code text, product_name text, price_name text, fee_description text, subject text, event_description text,
        receipt_url text, metadata jsonb)`),
    tx.execute(sql`
      update ${accounts} a set balance = x.balance, version = a.version + 1
      from json_to_recordset(${JSON.stringify(moved)}::json) as x(customer_id text, name text, asset_code text, balance numeric)
      where a.customer_id = x.customer_id and a.name = x.name and a.asset_code = x.asset_code`),
  ]);
}

/**
 * The ledger as the features write to it: `append` appends and tells each subscriber (spend rollups, the auto
 * top-up outbox, the live streams' notification) what it appended, in the same transaction. Subscribers are given
 * the entries before they are stored and their statements are sent with the ledger's, so none may read what the
 * append writes. Built once per app.
 */
export class Ledger {
  constructor(private readonly subscribers: readonly LedgerSubscriber[]) {}

  async append(tx: Executor, platformId: string, customerId: string, drafts: EntryDraft[]): Promise<EntryRow[]> {
    if (drafts.length === 0) return [];
    const [written] = await this.appendMany(tx, [{ platformId, customerId, drafts }]);
    return written ?? [];
  }

  /** Several callers' writes in one go (a group commit): each write's entries, in the order given. */
  async appendMany(tx: Executor, writes: LedgerWrite[]): Promise<EntryRow[][]> {
    const plan = await planWrites(tx, writes);
    if (plan.appended.length === 0) return plan.entries;
    // The entries, the balances and every subscriber's statements go out together: one round trip, not one each.
    await Promise.all([plan.store(), ...this.subscribers.map((subscriber) => subscriber(tx, plan.appended))]);
    for (const { entries } of plan.appended) for (const entry of entries) metrics.ledgerEntries.inc({ category: entry.category });
    return plan.entries;
  }
}

/** The row as `json_to_recordset` reads it: snake_case keys, timestamps as ISO text. */
function toRecord(r: EntryRow & { createdAtText: string }) {
  return {
    seq: r.seq,
    created_at: r.createdAtText,
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
