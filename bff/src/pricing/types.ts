/**
 * How an event is measured (https://docs.credyt.ai/features/usage): `unit` per event, `volume` per amount of
 * `data[volume_field]`, `unit_and_volume` both (a leaf's `unit_price` plus its `volume_rate` times the volume).
 */
export type UsageType = 'unit' | 'volume' | 'unit_and_volume';

/** `usage_based`: charged per event; `fixed`: a recurring fee (https://docs.dev.credyt.ai/features/product-catalog/fixed-fee-pricing). */
export type PriceType = 'usage_based' | 'fixed';
/** How often a fixed price recurs. */
export const RECURRING_INTERVALS = ['month', 'year'] as const;
export type RecurringInterval = (typeof RECURRING_INTERVALS)[number];

/** A leaf price value: what one event (unit) or one package of volume costs. Amounts are decimal text. */
export interface PriceValue {
  name?: string | undefined;
  unit_price?: string | undefined;
  volume_rate?: string | undefined;
  package_size?: string | undefined;
}

export interface DimensionalValue {
  /** What this variation is called ("Video Generation Minutes (Fast)"); a leaf's own name wins. */
  name?: string | undefined;
  dimensions: Record<string, string>;
  values: PriceValue[];
}

export interface PricingEntry {
  asset: string;
  values: (PriceValue | DimensionalValue)[];
}

/** A price as the fee calculator needs it (a row of `prices` joined with its product). */
export interface PriceRule {
  id: string;
  name: string;
  productCode: string;
  productName: string;
  eventType: string;
  usageType: UsageType;
  volumeField: string | null;
  /** The `data` field naming what a fee is for, in the platform's own terms (`video_id`): the fee's `source_reference`. */
  sourceReferenceField: string | null;
  billableDimensions: string[];
  pricing: PricingEntry[];
  description: string | null;
}

/** One fee of one event, as stored on the event and in the ledger entry it produced. */
export interface FeeRecord {
  amount: string;
  asset: string;
  product_code: string;
  product_name: string;
  price_id: string;
  price_name: string;
  fee_description: string;
  fiat_amount: string | null;
  /** `data[source_reference_field]` of the event, as text; absent on fees stored before prices named one. */
  source_reference?: string | null;
}
