import { z } from 'zod';
import { CalendarDate } from './time.ts';
import { DecimalString } from './decimal.ts';

/** `GET /portal/api/usage?limit=&cursor=&from=&to=&product=` */
export const UsageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(25),
  cursor: z.string().optional(),
  from: CalendarDate.optional(),
  to: CalendarDate.optional(),
  product: z.string().optional(),
});

export const UsageItem = z.object({
  id: z.string(),
  occurred_at: z.string(),
  product: z.object({ code: z.string(), name: z.string() }),
  subject: z.string().nullable(),
  description: z.string().nullable(),
  fee_description: z.string(),
  amount: DecimalString,
  asset: z.string(),
  fiat_amount: DecimalString.nullable(),
});
export type UsageItem = z.infer<typeof UsageItem>;

export const UsagePage = z.object({ items: z.array(UsageItem), next_cursor: z.string().nullable() });
export type UsagePage = z.infer<typeof UsagePage>;
