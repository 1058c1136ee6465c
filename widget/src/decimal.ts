/**
 * The little exact arithmetic the widget needs on decimal strings from the API, done on BigInt.
 * (The shared money helpers use decimal.js, which would cost 13 KB gzip of the 30 KB budget; what the widget does
 * is compare, multiply and divide for display, never store.) Never converts money to a binary float.
 */

interface Scaled {
  units: bigint;
  scale: number;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

function parse(value: string): Scaled {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new RangeError(`Not a decimal number: ${value}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const units = BigInt(whole + fraction);
  return { units: sign ? -units : units, scale: fraction.length };
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function toText(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : '';
  return `${negative && units !== 0n ? '-' : ''}${whole}${fraction}`;
}

export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const left = rescale(x, scale);
  const right = rescale(y, scale);
  return left === right ? 0 : left < right ? -1 : 1;
}

export function isNegativeDecimal(value: string): boolean {
  return parse(value).units < 0n;
}

export function isZeroDecimal(value: string): boolean {
  return parse(value).units === 0n;
}

/** Digits after the decimal point as written ("1.50" → 2). */
export function scaleOf(value: string): number {
  return parse(value).scale;
}

export function multiplyDecimal(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  return toText(x.units * y.units, x.scale + y.scale);
}

/** `a ÷ b` rounded half-even to `places` digits; throws on division by zero. */
export function divideDecimal(a: string, b: string, places: number): string {
  const x = parse(a);
  const y = parse(b);
  if (y.units === 0n) throw new RangeError('Division by zero');
  // a/b = (x.units / 10^xs) / (y.units / 10^ys); scale the numerator so the quotient has `places` digits.
  const numerator = x.units * 10n ** BigInt(places + y.scale);
  const denominator = y.units * 10n ** BigInt(x.scale);
  let quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const twice = 2n * (remainder < 0n ? -remainder : remainder);
  const divisor = denominator < 0n ? -denominator : denominator;
  const sign = numerator < 0n !== denominator < 0n ? -1n : 1n;
  if (twice > divisor || (twice === divisor && quotient % 2n !== 0n)) quotient += sign;
  return toText(quotient, places);
}

export function addDecimal(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  return toText(rescale(x, scale) + rescale(y, scale), scale);
}

/** `value` rounded away from zero to `places` digits: what a payment of a fractional minor unit costs. */
export function roundUpDecimal(value: string, places: number): string {
  const x = parse(value);
  if (x.scale <= places) return toText(rescale(x, places), places);
  const divisor = 10n ** BigInt(x.scale - places);
  let units = x.units / divisor;
  if (x.units % divisor !== 0n) units += x.units < 0n ? -1n : 1n;
  return toText(units, places);
}
