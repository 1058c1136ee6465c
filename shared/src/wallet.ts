import { z } from 'zod';
import { DecimalString } from './decimal.ts';

export const PortalAsset = z.object({
  code: z.string(),
  name: z.string(),
  symbol: z.string().nullable(),
  label: z.string().nullable(),
  /** The unit in the singular ("image credit") where `label` is the plural; absent or null: derived from `label`. */
  label_singular: z.string().nullable().optional(),
  precision: z.number().int(),
  fiat: z.boolean(),
  /** Price of one unit in the platform currency (the top-up rate); null when the asset has none. */
  rate: DecimalString.nullable().optional(),
});
export type PortalAsset = z.infer<typeof PortalAsset>;

export const FiatAmount = z.object({ currency: z.string(), amount: DecimalString });
export type FiatAmount = z.infer<typeof FiatAmount>;

/** One wallet account as the portal shows it. Amounts are exact decimal strings in the account's asset. */
export const PortalAccount = z.object({
  id: z.string(),
  asset: PortalAsset,
  available: DecimalString,
  /** `available` in the platform's currency at the current rate; null when the asset has no rate to it. */
  fiat_value: DecimalString.nullable(),
  fiat_currency: z.string(),
  spent_this_month: DecimalString,
  pending_in: DecimalString,
});
export type PortalAccount = z.infer<typeof PortalAccount>;

/** `GET /portal/api/wallet` */
export const PortalWallet = z.object({
  accounts: z.array(PortalAccount),
  spent_this_month: FiatAmount,
});
export type PortalWallet = z.infer<typeof PortalWallet>;
