import { z } from 'zod';
import { CalendarDate } from './time.ts';
import { DecimalString } from './decimal.ts';

export const SpendInterval = z.enum(['day', 'week', 'month']);
export type SpendInterval = z.infer<typeof SpendInterval>;

/** `GET /portal/api/spend?from=&to=&interval=&asset=&tz=` */
export const SpendQuery = z.object({
  from: CalendarDate.optional(),
  to: CalendarDate.optional(),
  interval: SpendInterval.default('day'),
  asset: z.string().optional(),
  tz: z.string().optional(),
});

export const SpendPoint = z.object({ period: z.string(), amount: DecimalString, fiat_amount: DecimalString });
export const SpendSeries = z.object({ asset: z.string(), points: z.array(SpendPoint) });
export const PortalSpend = z.object({ currency: z.string(), series: z.array(SpendSeries) });
export type PortalSpend = z.infer<typeof PortalSpend>;
