import Stripe from 'stripe';
import type { Config } from '../config.ts';
import { ProblemError } from '../http/problem.ts';

export const STRIPE_TIMEOUT_MS = 5_000;
export const STRIPE_MAX_NETWORK_RETRIES = 1;
/** Seconds a client should wait before retrying when Stripe is unavailable. */
export const STRIPE_RETRY_AFTER = 5;

/**
 * The official SDK is the only way the BFF talks to Stripe. `STRIPE_API_BASE` points it at another
 * Stripe-compatible host (the local emulator); production leaves it unset.
 */
export function createStripeClient(config: Config['stripe'], options: { timeoutMs?: number; maxNetworkRetries?: number } = {}): Stripe {
  const base = config.apiBase ? new URL(config.apiBase) : null;
  return new Stripe(config.secretKey, {
    // A customer waits on these calls: 5 s each and one retry (the SDK retries with the same idempotency key) bound a
    // hanging Stripe to ~11 s before the request answers 503, instead of the SDK's default 80 s × 2.
    maxNetworkRetries: options.maxNetworkRetries ?? STRIPE_MAX_NETWORK_RETRIES,
    timeout: options.timeoutMs ?? STRIPE_TIMEOUT_MS,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

/** Stripe could not be reached or failed on its side: nothing was charged, and the same request may be retried. */
export function paymentsUnavailable(err: unknown): ProblemError {
  const reason = err instanceof Error ? err.message : String(err);
  return new ProblemError(
    503,
    `Payments are unavailable right now (${reason.slice(0, 120)}). Nothing was charged; please try again in a moment.`,
    undefined,
    'https://credyt.dev/problems/payments-unavailable',
    { 'retry-after': String(STRIPE_RETRY_AFTER) },
  );
}

/** Stripe answered that the customer it was given no longer exists (deleted in the dashboard, or another account). */
export function isMissingStripeCustomer(err: unknown): boolean {
  return (
    err instanceof Stripe.errors.StripeInvalidRequestError &&
    err.code === 'resource_missing' &&
    (err.param === 'customer' || /no such customer/i.test(err.message))
  );
}

/** Runs a Stripe call; connection failures, timeouts and Stripe's own 5xx become a retryable 503 problem. */
export async function callStripe<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Stripe.errors.StripeCardError) throw err;
    if (
      err instanceof Stripe.errors.StripeConnectionError ||
      err instanceof Stripe.errors.StripeAPIError ||
      (err instanceof Stripe.errors.StripeError && (err.statusCode ?? 500) >= 500)
    ) {
      throw paymentsUnavailable(err);
    }
    throw err;
  }
}

export function toMinorUnits(amount: string, precision: number): number {
  const [whole, fraction = ''] = amount.split('.');
  const digits = `${whole}${fraction.padEnd(precision, '0')}`;
  if (fraction.length > precision) throw new Error(`${amount} has more than ${precision} decimals`);
  return Number.parseInt(digits, 10);
}
