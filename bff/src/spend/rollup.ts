import { sql } from 'drizzle-orm';
import { money, toDecimalString } from '@credyt/shared';
import { spendDaily, spendRollup } from '../db/schema/index.ts';
import type { LedgerSubscriber } from '../wallet/ledger.ts';

/** Usage debits, summed per asset and hour of occurrence, added to the rollup in one statement. */
export const rollUpSpend: LedgerSubscriber = async (tx, { customerId, entries: rows }) => {
  const buckets = new Map<string, { assetCode: string; hour: Date; amount: ReturnType<typeof money>; fiat: ReturnType<typeof money> }>();
  for (const r of rows) {
    if (r.category !== 'usage') continue;
    const hour = new Date(Math.floor(r.occurredAt.getTime() / 3_600_000) * 3_600_000);
    const key = `${r.assetCode}@${hour.getTime()}`;
    const bucket = buckets.get(key) ?? { assetCode: r.assetCode, hour, amount: money(0), fiat: money(0) };
    bucket.amount = bucket.amount.minus(r.amount);
    bucket.fiat = bucket.fiat.minus(r.fiatAmount ?? '0');
    buckets.set(key, bucket);
  }
  if (buckets.size === 0) return;
  const days = new Map<string, { assetCode: string; day: string; amount: ReturnType<typeof money>; fiat: ReturnType<typeof money> }>();
  for (const b of buckets.values()) {
    const day = b.hour.toISOString().slice(0, 10);
    const key = `${b.assetCode}@${day}`;
    const total = days.get(key) ?? { assetCode: b.assetCode, day, amount: money(0), fiat: money(0) };
    total.amount = total.amount.plus(b.amount);
    total.fiat = total.fiat.plus(b.fiat);
    days.set(key, total);
  }
  await tx
    .insert(spendDaily)
    .values(
      [...days.values()].map((d) => ({
        customerId,
        assetCode: d.assetCode,
        day: d.day,
        amount: toDecimalString(d.amount),
        fiatAmount: toDecimalString(d.fiat),
      })),
    )
    .onConflictDoUpdate({
      target: [spendDaily.customerId, spendDaily.assetCode, spendDaily.day],
      set: { amount: sql`${spendDaily.amount} + excluded.amount`, fiatAmount: sql`${spendDaily.fiatAmount} + excluded.fiat_amount` },
    });
  await tx
    .insert(spendRollup)
    .values(
      [...buckets.values()].map((b) => ({
        customerId,
        assetCode: b.assetCode,
        hour: b.hour,
        amount: toDecimalString(b.amount),
        fiatAmount: toDecimalString(b.fiat),
      })),
    )
    .onConflictDoUpdate({
      target: [spendRollup.customerId, spendRollup.assetCode, spendRollup.hour],
      set: {
        amount: sql`${spendRollup.amount} + excluded.amount`,
        fiatAmount: sql`${spendRollup.fiatAmount} + excluded.fiat_amount`,
      },
    });
};
