import { z } from 'zod';
import { DecimalString } from './decimal.ts';

export const SpendInterval = z.enum(['day', 'week', 'month']);
export type SpendInterval = z.infer<typeof SpendInterval>;

/** `GET /portal/api/spend?from=&to=&interval=&asset=&tz=` */
export const SpendQuery = z.object({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  interval: SpendInterval.default('day'),
  asset: z.string().optional(),
  tz: z.string().optional(),
});

export const SpendPoint = z.object({ period: z.string(), amount: DecimalString, fiat_amount: DecimalString });
export const SpendSeries = z.object({ asset: z.string(), points: z.array(SpendPoint) });
export const PortalSpend = z.object({ currency: z.string(), series: z.array(SpendSeries) });
export type PortalSpend = z.infer<typeof PortalSpend>;
