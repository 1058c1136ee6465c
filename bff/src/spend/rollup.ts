import { sql } from 'drizzle-orm';
import { money, toDecimalString } from '@credyt/shared';
import { spendDaily, spendRollup } from '../db/schema/index.ts';
import type { LedgerSubscriber } from '../wallet/ledger.ts';

type Money = ReturnType<typeof money>;

/** Usage debits, summed per customer, asset and hour (and UTC day) of occurrence, added to the rollups in two statements. */
export const rollUpSpend: LedgerSubscriber = async (tx, appended) => {
  const hours = new Map<string, { customerId: string; assetCode: string; hour: Date; amount: Money; fiat: Money }>();
  for (const { customerId, entries: rows } of appended) {
    for (const r of rows) {
      if (r.category !== 'usage') continue;
      const hour = new Date(Math.floor(r.occurredAt.getTime() / 3_600_000) * 3_600_000);
      const key = `${customerId}\u0000${r.assetCode}\u0000${hour.getTime()}`;
      const bucket = hours.get(key) ?? { customerId, assetCode: r.assetCode, hour, amount: money(0), fiat: money(0) };
      bucket.amount = bucket.amount.minus(r.amount);
      bucket.fiat = bucket.fiat.minus(r.fiatAmount ?? '0');
      hours.set(key, bucket);
    }
  }
  if (hours.size === 0) return;
  const days = new Map<string, { customerId: string; assetCode: string; day: string; amount: Money; fiat: Money }>();
  for (const b of hours.values()) {
    const day = b.hour.toISOString().slice(0, 10);
    const key = `${b.customerId}\u0000${b.assetCode}\u0000${day}`;
    const total = days.get(key) ?? { customerId: b.customerId, assetCode: b.assetCode, day, amount: money(0), fiat: money(0) };
    total.amount = total.amount.plus(b.amount);
    total.fiat = total.fiat.plus(b.fiat);
    days.set(key, total);
  }
  // Both upserts go out together (pipelined): neither needs the other's answer.
  await Promise.all([
    tx
      .insert(spendDaily)
      .values(
        [...days.values()].map((d) => ({
          customerId: d.customerId,
          assetCode: d.assetCode,
          day: d.day,
          amount: toDecimalString(d.amount),
          fiatAmount: toDecimalString(d.fiat),
        })),
      )
      .onConflictDoUpdate({
        target: [spendDaily.customerId, spendDaily.assetCode, spendDaily.day],
        set: { amount: sql`${spendDaily.amount} + excluded.amount`, fiatAmount: sql`${spendDaily.fiatAmount} + excluded.fiat_amount` },
      }),
    tx
      .insert(spendRollup)
      .values(
        [...hours.values()].map((b) => ({
          customerId: b.customerId,
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
      }),
  ]);
};
