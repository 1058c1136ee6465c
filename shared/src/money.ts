import Decimal from 'decimal.js';

/**
 * The ledger's scale: every amount it stores (entries, balances, fees, fiat values, rollups) has at most 18 decimal
 * places and is below 10^20 in magnitude. A fee is rounded once, half-even, to 18 places where it is computed;
 * every other amount must already fit, or is refused. Sums of such amounts are exact in decimal.js below (100
 * significant digits holds any product of two in-range inputs before its one rounding), so a balance always
 * equals the sum of its entries, by construction.
 */
export const LEDGER_SCALE = 18;
export const LEDGER_INTEGER_DIGITS = 20;

/**
 * Money is carried as decimal strings and computed with decimal.js, never with binary floats.
 */
export const Money = Decimal.clone({ precision: 100, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -100, toExpPos: 100 });
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

const LEDGER_LIMIT = new Money(10).pow(LEDGER_INTEGER_DIGITS);

/** Does the ledger hold this amount exactly: at most 18 decimal places, below 10^20 in magnitude? */
export function fitsLedger(value: Decimal.Value): boolean {
  const d = new Money(value);
  return d.decimalPlaces() <= LEDGER_SCALE && d.abs().lessThan(LEDGER_LIMIT);
}

/** A computed amount (a fee, a converted value) rounded once, half-even, to the ledger's scale. */
export function toLedgerScale(value: Decimal.Value): string {
  return toDecimalString(new Money(value).toDecimalPlaces(LEDGER_SCALE, Decimal.ROUND_HALF_EVEN));
}
