import { z } from 'zod';
import { CalendarMonth } from './time.ts';
import { DecimalString } from './decimal.ts';

export const CATEGORIES = ['top_up', 'auto_top_up', 'usage', 'fee', 'refund', 'gift', 'adjustment'] as const;
export const Category = z.enum(CATEGORIES);
export type Category = z.infer<typeof Category>;

/** `GET /portal/api/transactions?month=YYYY-MM&asset=&category=&limit=&cursor=&format=csv` */
export const TransactionsQuery = z.object({
  month: CalendarMonth.optional(),
  asset: z.string().optional(),
  category: Category.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

export const Transaction = z.object({
  id: z.string(),
  created_at: z.string(),
  category: Category,
  description: z.string(),
  amount: DecimalString,
  asset: z.string(),
  balance_after: DecimalString,
  receipt_url: z.string().nullable(),
});
export type Transaction = z.infer<typeof Transaction>;

export const TransactionsPage = z.object({ items: z.array(Transaction), next_cursor: z.string().nullable() });
export type TransactionsPage = z.infer<typeof TransactionsPage>;
