import { fitsLedger, LEDGER_INTEGER_DIGITS, LEDGER_SCALE, money, numericText, quotient, toDecimalString } from '@credyt/shared';
import type { DimensionalValue, FeeRecord, PriceRule, PriceValue } from './types.ts';
import { describePriceValue } from './describe.ts';
import type { AssetInfo } from '../catalog/registry.ts';

export interface BillableEvent {
  event_type: string;
  data: Record<string, unknown>;
}

export type FeeOutcome = { billed: true; fees: FeeRecord[] } | { billed: false; reason: string };

export interface FeeContext {
  asset(code: string): AssetInfo;
  /** The platform-currency value of `amount` of `asset` now, or null when there is no rate. */
  fiatValue(amount: string, asset: AssetInfo): string | null;
}

function isDimensional(value: PriceValue | DimensionalValue): value is DimensionalValue {
  return 'dimensions' in value;
}

/**
 * The value whose dimensions all equal the event's data; failing that, the most specific one whose other
 * dimensions are "*"; failing that, none.
 */
function matchDimensions(candidates: DimensionalValue[], data: Record<string, unknown>): DimensionalValue | null {
  let best: DimensionalValue | null = null;
  let bestWildcards = Infinity;
  for (const candidate of candidates) {
    let wildcards = 0;
    let matches = true;
    for (const [key, expected] of Object.entries(candidate.dimensions)) {
      if (expected === '*') wildcards += 1;
      else if (data[key] === undefined || data[key] === null || String(data[key]) !== expected) matches = false;
    }
    if (matches && wildcards < bestWildcards) {
      best = candidate;
      bestWildcards = wildcards;
    }
  }
  return best;
}

/** An event whose fee the ledger cannot hold (10^20 or more): the request is refused, naming the field. */
export class FeeOutOfRange extends Error {
  constructor(
    readonly field: string,
    priceName: string,
  ) {
    super(
      `makes a fee (or its value in the platform currency) of 10^${LEDGER_INTEGER_DIGITS} or more under price "${priceName}", beyond what the ledger holds`,
    );
  }
}

/**
 * Volumes longer than this are refused (422) before any arithmetic: no real usage count has more digits, and it
 * bounds the BigInt work one event can ask for. (volume × volume_rate is exact at any length; the fee is rounded
 * exactly once.)
 */
const MAX_VOLUME_DIGITS = 60;

function readVolume(data: Record<string, unknown>, field: string, priceName: string): string | null {
  const text = numericText(data[field]);
  if (text === null || !/^(?:0|[1-9]\d*)(?:\.\d+)?$/.test(text)) return null;
  if (text.length > MAX_VOLUME_DIGITS) throw new FeeOutOfRange(`data.${field}`, priceName);
  return text;
}

/**
 * What a fee is for, in the platform's terms: the value of the price's `source_reference_field` in the event's `data`
 * (https://docs.credyt.ai/features/usage: `"promo_id": "pro_…" // configured as source_reference_field`). A string
 * or a number, as text; missing or of another kind, none: the event is billed all the same.
 */
function sourceReference(value: unknown): string | null {
  if (typeof value === 'string') return value;
  return numericText(value);
}

/** All fees one event incurs under the given prices (those of its event type the customer subscribes to). */
export function calculateFees(event: BillableEvent, rules: PriceRule[], ctx: FeeContext): FeeOutcome {
  const matching = rules.filter((rule) => rule.eventType === event.event_type);
  if (matching.length === 0) return { billed: false, reason: `no subscribed price for event_type "${event.event_type}"` };
  const fees: FeeRecord[] = [];
  const misses: string[] = [];
  for (const rule of matching) {
    for (const entry of rule.pricing) {
      const asset = ctx.asset(entry.asset);
      const flat = entry.values.filter((v): v is PriceValue => !isDimensional(v));
      const dimensional = entry.values.filter(isDimensional);
      const chosen = dimensional.length > 0 ? matchDimensions(dimensional, event.data) : null;
      const leaves = [...flat, ...(chosen?.values ?? [])];
      if (leaves.length === 0) {
        const dims = rule.billableDimensions.map((d) => `${d}=${String(event.data[d] ?? '')}`).join(', ');
        misses.push(`price "${rule.name}" has no value for ${dims || 'this event'}`);
        continue;
      }
      for (const leaf of leaves) {
        let amount = money(leaf.unit_price ?? '0');
        let unitLabel = 'event';
        if (leaf.volume_rate !== undefined) {
          const field = rule.volumeField ?? '';
          unitLabel = field;
          const volume = readVolume(event.data, field, rule.name);
          if (volume === null) {
            misses.push(`price "${rule.name}" needs a non-negative number in data.${field}`);
            continue;
          }
          // Computed exactly, rounded once (half-even) to the ledger's scale; a unit_and_volume leaf adds its unit price.
          amount = amount.plus(quotient(money(leaf.volume_rate).times(volume), leaf.package_size ?? '1', LEDGER_SCALE));
        }
        const fee = toDecimalString(amount);
        if (!fitsLedger(fee))
          throw new FeeOutOfRange(leaf.volume_rate !== undefined ? `data.${rule.volumeField ?? ''}` : 'event_type', rule.name);
        const leafName = leaf.name ?? chosen?.name;
        const priceName = leafName ? `${rule.name} · ${leafName}` : rule.name;
        // Its platform-currency value is stored in the ledger too: it must fit as well (a large rate can push it out).
        const fiat = ctx.fiatValue(fee, asset);
        if (fiat !== null && !fitsLedger(fiat)) {
          throw new FeeOutOfRange(leaf.volume_rate === undefined ? 'event_type' : `data.${rule.volumeField ?? ''}`, rule.name);
        }
        fees.push({
          amount: fee,
          asset: asset.code,
          product_code: rule.productCode,
          product_name: rule.productName,
          price_id: rule.id,
          price_name: priceName,
          fee_description: rule.description ?? describePriceValue(leaf, asset, unitLabel),
          fiat_amount: fiat,
          source_reference: rule.sourceReferenceField === null ? null : sourceReference(event.data[rule.sourceReferenceField]),
        });
      }
    }
  }
  if (fees.length === 0) return { billed: false, reason: misses.join('; ') || 'no fee applies' };
  return { billed: true, fees };
}
