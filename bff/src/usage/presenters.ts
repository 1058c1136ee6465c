import {
  DECIMAL_PATTERN,
  formatAmount,
  money,
  toDecimalString,
  toLedgerScale,
  type UsageFee,
  type UsageItem,
  type UsageQuantity,
  type UsageRate,
  type UsageTotal,
} from '@credyt/shared';
import type { AssetRegistry } from '../catalog/registry.ts';
import type { PriceValue } from '../pricing/types.ts';
import type { EntryRow } from '../wallet/ledger.ts';
import type { FeePrice, FeeRow } from './service.ts';

const negate = (amount: string) => toDecimalString(money(amount).negated());

const plural = (unit: string) => unit.replace(/[_-]+/g, ' ').trim();

/** "input_tokens" → "input tokens", and "input token" when there is one. */
function unitWords(unit: string, one: boolean): string {
  const words = plural(unit);
  return one && /[^s]s$/i.test(words) ? words.slice(0, -1) : words;
}

/** 1000000 → "1M"; a size that is no whole number stays as it is. */
function compactCount(value: string): string {
  if (!/^\d+$/.test(value)) return value;
  return new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 3 }).format(value as unknown as number);
}

/** "$2.50 per 1M input tokens", "$0.50 per event": how a price reads in English (the widget words it in the reader's language). */
function describeRate(rate: UsageRate, asset: Parameters<typeof formatAmount>[1]): string {
  const amount = formatAmount(rate.amount, asset, 'en', { exact: true });
  if (rate.unit === null) return `${amount} per event`;
  if (rate.per === '1') return `${amount} per ${unitWords(rate.unit, true)}`;
  return `${amount} per ${compactCount(rate.per)} ${unitWords(rate.unit, false)}`;
}

/**
 * The price value a fee was computed at: among the values for its asset, the one its price name names
 * (`rule · value`) whose fee, recomputed, is the amount charged. Null when the platform wrote its own description.
 */
function rateOf(entry: EntryRow, price: FeePrice | null): UsageRate | null {
  if (!price || price.description) return null;
  const charged = negate(entry.amount);
  const leaves = price.pricing
    .filter((p) => p.asset === entry.assetCode)
    .flatMap((p) => p.values.flatMap((v): PriceValue[] => ('dimensions' in v ? v.values : [v])))
    .filter((leaf) => (leaf.name ? `${price.name} · ${leaf.name}` : price.name) === entry.priceName);
  const fee = (leaf: PriceValue) => {
    if (leaf.unit_price !== undefined) return toDecimalString(leaf.unit_price);
    if (price.quantity === null || !DECIMAL_PATTERN.test(price.quantity)) return null;
    return toDecimalString(
      toLedgerScale(
        money(leaf.volume_rate ?? '0')
          .times(price.quantity)
          .dividedBy(leaf.package_size ?? '1'),
      ),
    );
  };
  const leaf = leaves.find((l) => fee(l) === charged) ?? leaves[0];
  if (!leaf) return null;
  if (leaf.unit_price !== undefined) return { amount: toDecimalString(leaf.unit_price), per: '1', unit: null };
  if (!price.volume_field) return null;
  return { amount: toDecimalString(leaf.volume_rate ?? '0'), per: toDecimalString(leaf.package_size ?? '1'), unit: price.volume_field };
}

function presentFee(row: FeeRow, registry: AssetRegistry | null): UsageFee {
  const e = row.entry;
  const rate = rateOf(e, row.price);
  const asset = registry?.find(e.assetCode);
  return {
    id: e.id,
    product: { code: e.productCode ?? '', name: e.productName ?? e.productCode ?? '' },
    price_name: e.priceName ?? '',
    fee_description: rate && asset ? describeRate(rate, asset) : (e.feeDescription ?? ''),
    rate,
    amount: negate(e.amount),
    asset: e.assetCode,
    fiat_amount: e.fiatAmount === null ? null : negate(e.fiatAmount),
  };
}

/** What the event cost in each asset, in the order its fees were charged. */
function totalsOf(fees: UsageFee[]): UsageTotal[] {
  const totals = new Map<string, { amount: ReturnType<typeof money>; fiat: ReturnType<typeof money> | null }>();
  for (const fee of fees) {
    const total = totals.get(fee.asset) ?? { amount: money(0), fiat: money(0) };
    total.amount = total.amount.plus(fee.amount);
    total.fiat = total.fiat === null || fee.fiat_amount === null ? null : total.fiat.plus(fee.fiat_amount);
    totals.set(fee.asset, total);
  }
  return [...totals].map(([asset, t]) => ({
    asset,
    amount: toDecimalString(t.amount),
    fiat_amount: t.fiat === null ? null : toDecimalString(t.fiat),
  }));
}

/** The volumes the event was billed on, once each ("input_tokens 1234", "output_tokens 567"). */
function quantitiesOf(rows: FeeRow[]): UsageQuantity[] {
  const seen = new Map<string, string>();
  for (const { price } of rows) {
    if (price === null || price.usage_type === 'unit' || !price.volume_field || price.quantity === null) continue;
    if (!DECIMAL_PATTERN.test(price.quantity) || seen.has(price.volume_field)) continue;
    seen.set(price.volume_field, toDecimalString(price.quantity));
  }
  return [...seen].map(([unit, quantity]) => ({ unit, quantity }));
}

/** One usage event as the customer reads it: what it cost (positive), its fees and the quantities billed. */
export function presentEvent(rows: FeeRow[], registry: AssetRegistry | null): UsageItem {
  const first = rows[0]!.entry;
  const fees = rows.map((row) => presentFee(row, registry));
  const totals = totalsOf(fees);
  const [main] = totals;
  return {
    id: first.eventId ?? first.id,
    occurred_at: first.occurredAt.toISOString(),
    product: fees[0]!.product,
    subject: first.subject,
    description: first.eventDescription,
    fee_description: [...new Set(fees.map((f) => f.fee_description))].join(' · '),
    amount: main!.amount,
    asset: main!.asset,
    fiat_amount: main!.fiat_amount,
    fees,
    quantities: quantitiesOf(rows),
    totals,
  };
}

/** A usage entry pushed live (`usage.created`): its event with this one fee; the reader merges fees by event id. */
export function presentUsage(e: EntryRow): UsageItem {
  return presentEvent([{ entry: e, at: '', key: e.eventId ?? e.id, price: null }], null);
}
