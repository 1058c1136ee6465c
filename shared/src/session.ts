import { z } from 'zod';
import { DecimalString } from './decimal.ts';
import { PortalWallet } from './wallet.ts';

export const Branding = z.object({
  name: z.string(),
  logo_url: z.string().nullable(),
  primary_color: z.string().nullable(),
  accent_color: z.string().nullable(),
  font_family: z.string().nullable(),
});
export type Branding = z.infer<typeof Branding>;

export const PlatformUrls = z.object({
  support_url: z.string().nullable(),
  terms_url: z.string().nullable(),
  product_url: z.string().nullable(),
});

export const SECTIONS = ['wallet', 'top_up', 'auto_top_up', 'spend_history', 'usage_history', 'transactions'] as const;
export type Section = (typeof SECTIONS)[number];

export const Features = z.object({
  top_up: z.boolean(),
  auto_top_up: z.boolean(),
  spend_history: z.boolean(),
  usage_history: z.boolean(),
  transactions: z.boolean(),
});
export type Features = z.infer<typeof Features>;

/** `POST /portal/api/session` body: exchange a single-use link token for an access token. */
export const SessionExchange = z.object({ token: z.string().min(1) });
export const AccessToken = z.object({ access_token: z.string(), expires_at: z.string() });
export type AccessToken = z.infer<typeof AccessToken>;

/** What one top-up may cost, in the platform currency (the configuration's `top_up_limits`). */
export const TopUpLimits = z.object({ currency: z.string(), minimum: DecimalString, maximum: DecimalString });
export type TopUpLimits = z.infer<typeof TopUpLimits>;

/** `GET /portal/api/session` */
export const PortalSession = z.object({
  customer: z.object({ id: z.string(), name: z.string(), email: z.string().nullable() }),
  platform: z.object({ name: z.string(), branding: Branding, urls: PlatformUrls }),
  return_url: z.string(),
  features: Features,
  locale: z.string(),
  currency: z.string(),
  expires_at: z.string(),
  /** Shown before a purchase and checked on the device; the BFF enforces them. */
  top_up_limits: TopUpLimits.optional(),
});
export type PortalSession = z.infer<typeof PortalSession>;

/**
 * The embedded exchange's answer: the access token, plus the session and wallet it opens (so the first paint
 * needs one request, not three).
 */
export const SessionExchanged = AccessToken.extend({ session: PortalSession, wallet: PortalWallet });
export type SessionExchanged = z.infer<typeof SessionExchanged>;
