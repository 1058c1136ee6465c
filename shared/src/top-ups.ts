import { z } from 'zod';
import { DecimalInput, DecimalString } from './decimal.ts';

/** `POST /portal/api/top-ups`: `amount` is in the asset; it is paid in fiat at the asset's rate. */
export const PortalTopUpRequest = z.object({
  asset: z.string().min(1),
  amount: DecimalInput,
  idempotency_key: z.string().min(8).max(200),
  /** Keep the card for auto top-up (Stripe's `setup_future_usage`). */
  save_card: z.boolean().optional(),
  /** Where Stripe sends the customer back; must be on one of the platform's allowed origins. */
  return_url: z.string().optional(),
});
export const PortalTopUp = z.object({ id: z.string(), redirect_url: z.string(), status: z.string().optional() });
export type PortalTopUp = z.infer<typeof PortalTopUp>;

export const TopUpStatus = z.enum(['initiated', 'pending', 'succeeded', 'failed', 'cancelled', 'expired']);
export type TopUpStatus = z.infer<typeof TopUpStatus>;

export const PaymentMethodSummary = z.object({
  brand: z.string(),
  last4: z.string(),
  exp_month: z.number().int(),
  exp_year: z.number().int(),
});
export type PaymentMethodSummary = z.infer<typeof PaymentMethodSummary>;

export const AutoTopUpStatus = z.enum(['idle', 'pending', 'failed', 'paused', 'needs_payment_method']);

/** One entry of `GET /portal/api/auto-top-up`. */
export const AutoTopUpSetting = z.object({
  asset: z.string(),
  enabled: z.boolean(),
  threshold: DecimalString,
  amount: DecimalString,
  payment_method: PaymentMethodSummary.nullable(),
  status: AutoTopUpStatus,
  last_error: z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable(),
  setup_url: z.string().optional(),
});
export type AutoTopUpSetting = z.infer<typeof AutoTopUpSetting>;

/** `PUT /portal/api/auto-top-up/{asset}` */
export const AutoTopUpUpdate = z.object({
  enabled: z.boolean(),
  threshold: DecimalInput,
  amount: DecimalInput,
  /** Where Stripe sends the customer back after saving a card. */
  return_url: z.string().optional(),
});

export const TopUpUpdated = z.object({
  id: z.string(),
  status: TopUpStatus,
  asset: z.string(),
  amount: DecimalString,
  receipt_url: z.string().nullable().optional(),
  /** `auto`: charged by automatic top-up; `manual`: paid by the customer through Checkout. */
  kind: z.enum(['manual', 'auto']).optional(),
  /** What was charged, in `currency`. */
  fiat_amount: DecimalString.optional(),
  currency: z.string().optional(),
  /** Why a failed top-up failed (Stripe's decline code and its message). */
  failure: z.object({ code: z.string(), message: z.string() }).nullable().optional(),
});

/** `POST /portal/api/auto-top-up/card-setup`: Stripe's page that saves (or replaces) the customer's card. */
export const CardSetupRequest = z.object({
  /** The setting the card is for first; the card is the customer's, for every asset. */
  asset: z.string().optional(),
  return_url: z.string().optional(),
});
export const CardSetup = z.object({ setup_url: z.string() });
