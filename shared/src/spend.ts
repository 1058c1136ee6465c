import { z } from 'zod';
import { CalendarDate } from './time.ts';
import { DecimalString } from './decimal.ts';

/** `hour` periods are labelled with their local start and offset (`2025-11-20T15:00+01:00`); the others by date. */
export const SpendInterval = z.enum(['hour', 'day', 'week', 'month']);
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
