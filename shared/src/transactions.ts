import { z } from 'zod';
import { CalendarDate, CalendarMonth } from './time.ts';
import { DecimalString } from './decimal.ts';

export const CATEGORIES = ['top_up', 'auto_top_up', 'usage', 'fee', 'refund', 'gift', 'adjustment'] as const;
export const Category = z.enum(CATEGORIES);
export type Category = z.infer<typeof Category>;

/** A yes/no query parameter (`true` / `false`). */
export const FlagParam = z
  .enum(['true', 'false'])
  .optional()
  .transform((flag) => flag === 'true');

/**
 * How many rows a list has, counted up to a cap so a page costs the same at any history: `more` says the list goes
 * on past `count` ("1–20 of 10,000+").
 */
export const ListTotal = z.object({ count: z.number().int().nonnegative(), more: z.boolean() });
export type ListTotal = z.infer<typeof ListTotal>;

/** `entries`: one row per ledger entry. `grouped`: usage summed per day, product and asset; every other entry a row. */
export const TRANSACTION_VIEWS = ['entries', 'grouped'] as const;
export const TransactionView = z.enum(TRANSACTION_VIEWS);
export type TransactionView = z.infer<typeof TransactionView>;

/**
 * `GET /portal/api/transactions?month=YYYY-MM&asset=&category=&limit=&cursor=&view=&total=&format=csv`. The month is
 * when each entry happened (`occurred_at`), in the caller's `tz`. The CSV is always one row per entry.
 */
export const TransactionsQuery = z.object({
  month: CalendarMonth.optional(),
  asset: z.string().optional(),
  category: Category.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
  format: z.enum(['json', 'csv']).default('json'),
  view: TransactionView.default('entries'),
  /** Answer `total` with the page (ask on the first page; it stays the same while the filters do). */
  total: FlagParam,
});

/** A day's usage of one product in one asset, summed into one row of the grouped view. */
export const UsageGroup = z.object({
  /** The local calendar day (`YYYY-MM-DD`, in the caller's `tz`). */
  day: CalendarDate,
  /** Usage events summed into the row (an event's fees in one asset are one). */
  count: z.number().int().positive(),
  /** When the first and the last of them happened. */
  first_at: z.string(),
  last_at: z.string(),
});
export type UsageGroup = z.infer<typeof UsageGroup>;

export const Transaction = z.object({
  id: z.string(),
  /** When the ledger recorded it. */
  created_at: z.string(),
  /** When it happened: a usage event's own time (it may be reported late); for anything else, when it was recorded. */
  occurred_at: z.string(),
  category: Category,
  description: z.string(),
  amount: DecimalString,
  asset: z.string(),
  /** The balance right after this entry (for a group, after its newest entry). */
  balance_after: DecimalString,
  receipt_url: z.string().nullable(),
  /** The product a usage entry billed. */
  product: z.object({ code: z.string(), name: z.string() }).nullable(),
  /** Set on a grouped row (`view=grouped`): what it sums. */
  group: UsageGroup.nullable(),
});
export type Transaction = z.infer<typeof Transaction>;

export const TransactionsPage = z.object({
  items: z.array(Transaction),
  next_cursor: z.string().nullable(),
  total: ListTotal.optional(),
});
export type TransactionsPage = z.infer<typeof TransactionsPage>;
