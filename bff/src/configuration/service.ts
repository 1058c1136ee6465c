// Configuration: how a platform's portal looks and behaves (branding, links, origins, features, locale) and
// what one top-up may cost. Owns the platform's `portal_config` and top-up limits.
import { eq } from 'drizzle-orm';
import { money, toDecimalString } from '@credyt/shared';
import type { Database } from '../db/client.ts';
import { platforms, type PortalConfiguration } from '../db/schema/index.ts';
import { invalid } from '../http/problem.ts';
import { stripeMinimumCharge } from '../stripe/minimum-charge.ts';
import type { PlatformRow } from '../tenancy/api-key.ts';

type Change<T> = { [K in keyof T]?: T[K] | undefined };

/** A change to the configuration: fields left out keep their value; `null` clears an optional one. */
export interface ConfigurationChange {
  branding?: Change<PortalConfiguration['branding']> | undefined;
  urls?: Change<PortalConfiguration['urls']> | undefined;
  allowed_origins?: string[] | undefined;
  features?: Change<PortalConfiguration['features']> | undefined;
  default_locale?: string | undefined;
  top_up_limits?: { minimum?: string | undefined; maximum?: string | undefined } | undefined;
}

function defined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function mergeConfiguration(current: PortalConfiguration, update: ConfigurationChange): PortalConfiguration {
  return {
    branding: { ...current.branding, ...defined(update.branding) },
    urls: { ...current.urls, ...defined(update.urls) },
    allowed_origins: update.allowed_origins ?? current.allowed_origins,
    features: { ...current.features, ...defined(update.features) },
    default_locale: update.default_locale ?? current.default_locale,
  };
}

/** Applies the change; the top-up limits, old or new, must keep the minimum at or below the maximum. */
export async function updateConfiguration(db: Database, platform: PlatformRow, change: ConfigurationChange): Promise<PlatformRow> {
  const minimum = change.top_up_limits?.minimum ?? platform.topUpMinimum;
  const maximum = change.top_up_limits?.maximum ?? platform.topUpMaximum;
  if (money(minimum).greaterThan(maximum)) throw invalid([{ path: 'top_up_limits.minimum', message: 'must not exceed the maximum' }]);
  const floor = stripeMinimumCharge(platform.currency);
  if (money(maximum).lessThan(floor)) {
    throw invalid([
      { path: 'top_up_limits.maximum', message: `must be at least ${floor} ${platform.currency}, the least Stripe can charge` },
    ]);
  }
  const [updated] = await db
    .update(platforms)
    .set({ portalConfig: mergeConfiguration(platform.portalConfig, change), topUpMinimum: minimum, topUpMaximum: maximum })
    .where(eq(platforms.id, platform.id))
    .returning();
  return updated ?? platform;
}

/** What one top-up may cost in the platform's currency: what the portal shows and the BFF enforces. */
export interface TopUpLimits {
  currency: string;
  minimum: string;
  maximum: string;
}

/**
 * The platform's top-up limits: never below what Stripe can charge in its currency; its configured minimum where
 * that is higher; its maximum. A platform has no minimum of its own by default, as Credyt documents none (its
 * custom-asset tutorial buys with a 1 USD top-up).
 */
export function topUpLimits(platform: PlatformRow): TopUpLimits {
  const floor = stripeMinimumCharge(platform.currency);
  const configured = toDecimalString(platform.topUpMinimum);
  return {
    currency: platform.currency,
    minimum: money(configured).greaterThan(floor) ? configured : floor,
    maximum: toDecimalString(platform.topUpMaximum),
  };
}
