import { describe, expect, it } from 'vitest';
import { stripeMinimumCharge } from '../../src/stripe/minimum-charge.ts';

describe("Stripe's minimum charge per currency", () => {
  // https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
  it('is the listed amount, in major units', () => {
    expect(stripeMinimumCharge('USD')).toBe('0.5');
    expect(stripeMinimumCharge('gbp')).toBe('0.3');
    expect(stripeMinimumCharge('JPY')).toBe('50');
    expect(stripeMinimumCharge('HUF')).toBe('175');
  });

  it('is one minor unit for a currency Stripe does not list (Stripe converts it and refuses a charge too small)', () => {
    expect(stripeMinimumCharge('KRW')).toBe('1');
    expect(stripeMinimumCharge('ZAR')).toBe('0.01');
    expect(stripeMinimumCharge('KWD')).toBe('0.001');
  });
});
