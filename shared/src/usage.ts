import { z } from 'zod';
import { CalendarDate } from './time.ts';
import { DecimalString } from './decimal.ts';
import { FlagParam, ListTotal } from './transactions.ts';

/** `GET /portal/api/usage?limit=&cursor=&from=&to=&product=&asset=&total=`: one item per usage event, newest first. */
export const UsageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(25),
  cursor: z.string().optional(),
  from: CalendarDate.optional(),
  to: CalendarDate.optional(),
  product: z.string().optional(),
  /** Only the fees charged in this asset. */
  asset: z.string().optional(),
  total: FlagParam,
});

const Product = z.object({ code: z.string(), name: z.string() });

/**
 * The price a fee was computed at, for a reader to word in its own language: `amount` of the fee's asset per `per`
 * units of `unit` (a volume field such as `input_tokens`), or per event when `unit` is null.
 */
export const UsageRate = z.object({ amount: DecimalString, per: DecimalString, unit: z.string().nullable() });
export type UsageRate = z.infer<typeof UsageRate>;

/** One fee of an event: one ledger entry. */
export const UsageFee = z.object({
  /** The ledger entry. */
  id: z.string(),
  product: Product,
  price_name: z.string(),
  /** The platform's description of the price, or one worded from it ("$2.50 per 1M input tokens"). */
  fee_description: z.string(),
  /** Null when the platform described the price itself (then `fee_description` is what to show). */
  rate: UsageRate.nullable(),
  amount: DecimalString,
  asset: z.string(),
  fiat_amount: DecimalString.nullable(),
});
export type UsageFee = z.infer<typeof UsageFee>;

/** A quantity the event was billed on: `data[unit]` of a volume price ("1234" of `input_tokens`). */
export const UsageQuantity = z.object({ unit: z.string(), quantity: DecimalString });
export type UsageQuantity = z.infer<typeof UsageQuantity>;

/** What the event cost in one asset. */
export const UsageTotal = z.object({ asset: z.string(), amount: DecimalString, fiat_amount: DecimalString.nullable() });
export type UsageTotal = z.infer<typeof UsageTotal>;

/**
 * One usage event with its fees inside. `amount`, `asset` and `fiat_amount` are its cost in its first asset (every
 * asset is in `totals`); `fee_description` joins the fees' descriptions.
 */
export const UsageItem = z.object({
  /** The event's id (the ledger entry's, for usage written without an event). */
  id: z.string(),
  occurred_at: z.string(),
  product: Product,
  subject: z.string().nullable(),
  description: z.string().nullable(),
  fee_description: z.string(),
  amount: DecimalString,
  asset: z.string(),
  fiat_amount: DecimalString.nullable(),
  fees: z.array(UsageFee),
  quantities: z.array(UsageQuantity),
  totals: z.array(UsageTotal),
});
export type UsageItem = z.infer<typeof UsageItem>;

export const UsagePage = z.object({ items: z.array(UsageItem), next_cursor: z.string().nullable(), total: ListTotal.optional() });
export type UsagePage = z.infer<typeof UsagePage>;
