import fc from 'fast-check';
import {
  ROUND_CEIL,
  ROUND_DOWN,
  ROUND_FLOOR,
  ROUND_HALF_DOWN,
  ROUND_HALF_EVEN,
  ROUND_HALF_UP,
  ROUND_UP,
  type Rounding,
} from '../src/money.ts';

/*
 * The reference: a decimal as an exact rational n/d of BigInts, read digit by digit from its text, and rounded by
 * the definition of each mode. Nothing here shares code with money.ts.
 */
export interface Rational {
  n: bigint;
  d: bigint;
}

export function rational(text: string): Rational {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace(/^-/, '').split('.');
  const n = BigInt(`${whole}${fraction}`);
  return { n: negative ? -n : n, d: 10n ** BigInt(fraction.length) };
}

export const add = (a: Rational, b: Rational): Rational => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
export const mul = (a: Rational, b: Rational): Rational => ({ n: a.n * b.n, d: a.d * b.d });
export const div = (a: Rational, b: Rational): Rational => (b.n < 0n ? { n: -a.n * b.d, d: a.d * -b.n } : { n: a.n * b.d, d: a.d * b.n });
export const sign = (x: bigint) => (x < 0n ? -1 : x > 0n ? 1 : 0);
export const same = (a: Rational, b: Rational) => a.n * b.d === b.n * a.d;

/** The integer floor(n/d) for d > 0. */
function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n < 0n ? q - 1n : q;
}

/** `x` rounded to `places` decimals by the definition of `mode`, as the integer count of 10^-places. */
export function roundReference(x: Rational, places: number, mode: Rounding): bigint {
  const n = x.n * 10n ** BigInt(places);
  const d = x.d;
  const floor = floorDiv(n, d);
  const rest: Rational = { n: n - floor * d, d }; // in [0, 1)
  if (rest.n === 0n) return floor;
  const ceil = floor + 1n;
  const negative = n < 0n;
  const half = sign(2n * rest.n - d); // below, at or above the midpoint
  switch (mode) {
    case ROUND_UP:
      return negative ? floor : ceil;
    case ROUND_DOWN:
      return negative ? ceil : floor;
    case ROUND_CEIL:
      return ceil;
    case ROUND_FLOOR:
      return floor;
    case ROUND_HALF_UP:
      return half > 0 || (half === 0 && !negative) ? ceil : floor;
    case ROUND_HALF_DOWN:
      return half > 0 || (half === 0 && negative) ? ceil : floor;
    default:
      return half > 0 ? ceil : half < 0 ? floor : floor % 2n === 0n ? floor : ceil;
  }
}

/** Text of `units / 10^places` with exactly `places` decimals (no sign on zero). */
export function unitsText(units: bigint, places: number): string {
  const digits = (units < 0n ? -units : units).toString().padStart(places + 1, '0');
  const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return units < 0n ? `-${text}` : text;
}

/** The canonical text of an exact rational whose denominator is a power of ten. */
export function canonical(x: Rational): string {
  const places = x.d.toString().length - 1;
  const text = unitsText(x.n, places);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

export const MODES: Rounding[] = [ROUND_UP, ROUND_DOWN, ROUND_CEIL, ROUND_FLOOR, ROUND_HALF_UP, ROUND_HALF_DOWN, ROUND_HALF_EVEN];

/**
 * Decimals a binary float cannot hold: up to 40 integer digits and 40 decimals (so 17+ significant digits,
 * integers beyond 2^53 and 40-digit values are common), often with trailing zeros, sometimes negative.
 */
export const digits = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: max });
export const decimal = fc
  .tuple(fc.boolean(), digits(40), fc.option(digits(40), { nil: undefined }))
  .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole.replace(/^0+(?=\d)/, '')}${fraction ? `.${fraction}` : ''}`);
export const nonZero = decimal.filter((t) => /[1-9]/.test(t));
/** Divisors that make exact ties (…5 at the first place dropped) common, so half-even is really exercised. */
export const divisor = fc.oneof(nonZero, fc.constantFrom('2', '-2', '4', '8', '0.8', '20', '-0.16', '1250'));
/** Amounts the ledger holds: below 10^20, at most 18 decimals. */
export const ledgerAmount = fc
  .tuple(fc.boolean(), digits(20), digits(18))
  .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole.replace(/^0+(?=\d)/, '')}.${fraction}`);
