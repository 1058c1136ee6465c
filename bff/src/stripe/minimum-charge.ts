import { fiatAsset, toDecimalString } from '@credyt/shared';

/**
 * The least Stripe charges in each currency it lists (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts):
 * a Checkout session for less is refused, so no top-up may cost less, whatever a platform configures.
 */
const STRIPE_MINIMUM_CHARGE: Readonly<Record<string, string>> = {
  USD: '0.50',
  AED: '2.00',
  AUD: '0.50',
  BGN: '1.00',
  BRL: '0.50',
  CAD: '0.50',
  CHF: '0.50',
  CZK: '15.00',
  DKK: '2.50',
  EUR: '0.50',
  GBP: '0.30',
  HKD: '4.00',
  HUF: '175.00',
  INR: '0.50',
  JPY: '50',
  MXN: '10',
  MYR: '2',
  NOK: '3.00',
  NZD: '0.50',
  PLN: '2.00',
  RON: '2.00',
  SEK: '3.00',
  SGD: '0.50',
  THB: '10',
};

/**
 * What Stripe can charge at the least in `currency`, as exact text. A currency Stripe does not list (it converts
 * those to the account's settlement currency, where that one's minimum applies) floors at one minor unit: Stripe
 * itself refuses a session below its converted minimum.
 */
export function stripeMinimumCharge(currency: string): string {
  const code = currency.toUpperCase();
  const listed = STRIPE_MINIMUM_CHARGE[code];
  if (listed !== undefined) return toDecimalString(listed);
  const precision = fiatAsset(code)?.precision ?? 2;
  return precision === 0 ? '1' : `0.${'0'.repeat(precision - 1)}1`;
}
