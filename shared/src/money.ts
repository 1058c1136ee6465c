import Decimal from 'decimal.js';

/**
 * Money is carried as decimal strings and computed with decimal.js, never with binary floats.
 * 40 significant digits is far beyond any balance or fee we keep (PostgreSQL `numeric` stores them exactly).
 */
export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type Money = Decimal;

/** A plain decimal literal: optional sign, digits, optional fraction. No exponents, no NaN/Infinity. */
export const DECIMAL_PATTERN = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

export function money(value: string | number | Decimal): Decimal {
  return new Money(value);
}

/** Canonical text of a decimal: no exponent, no trailing zeros ("1.50" → "1.5", "-0" → "0"). */
export function toDecimalString(value: Decimal.Value): string {
  const d = new Money(value);
  if (d.isZero()) return '0';
  return d.toFixed();
}

export function sum(values: Iterable<Decimal.Value>): string {
  let total = new Money(0);
  for (const v of values) total = total.plus(v);
  return toDecimalString(total);
}

/** Number of digits after the decimal point that the value really needs. */
export function scaleOf(value: Decimal.Value): number {
  return new Money(value).decimalPlaces();
}

export function fitsPrecision(value: Decimal.Value, precision: number): boolean {
  return scaleOf(value) <= precision;
}

/** Rounds for display only; stored amounts keep full precision. */
export function roundTo(value: Decimal.Value, precision: number): string {
  return new Money(value).toDecimalPlaces(precision, Decimal.ROUND_HALF_EVEN).toFixed(precision);
}

export function isNegative(value: Decimal.Value): boolean {
  return new Money(value).isNegative() && !new Money(value).isZero();
}

export function compare(a: Decimal.Value, b: Decimal.Value): number {
  return new Money(a).comparedTo(b);
}
