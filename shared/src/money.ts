/**
 * Money, exactly: decimal amounts as BigInt scaled integers (`units / 10^scale`), for the BFF and the widget alike.
 * No dependency, and no digit ever passes through a binary float.
 *
 * The ledger's scale: every amount it stores (entries, balances, fees, fiat values, rollups) has at most 18 decimal
 * places and is below 10^20 in magnitude. A fee is rounded once, half-even, to 18 places where it is computed;
 * every other amount must already fit, or is refused. Sums and products are exact here (BigInt has no precision to
 * run out of), so a balance always equals the sum of its entries, by construction.
 */
export const LEDGER_SCALE = 18;
export const LEDGER_INTEGER_DIGITS = 20;

/** A plain decimal literal: optional sign, digits, optional fraction. No exponents, no NaN/Infinity. */
export const DECIMAL_PATTERN = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** How an amount is rounded to fewer places. The numbers are decimal.js's, which the BFF's call sites still pass. */
export const ROUND_UP = 0; // away from zero
export const ROUND_DOWN = 1; // towards zero
export const ROUND_CEIL = 2;
export const ROUND_FLOOR = 3;
export const ROUND_HALF_UP = 4; // half away from zero
export const ROUND_HALF_DOWN = 5; // half towards zero
export const ROUND_HALF_EVEN = 6;
export type Rounding = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/**
 * The places a quotient is carried to when no scale is asked for (`dividedBy`): 100, then a 101st "sticky" digit
 * that is 1 when the division left a remainder. Rounding such a quotient once more to fewer than 100 places is then
 * exactly the rounding of the true quotient, in every mode (round-to-odd, as in floating-point libraries).
 * `quotient()` rounds straight to the scale it is given.
 */
const QUOTIENT_PLACES = 100;

/** Exponents beyond this are refused rather than expanded into a BigInt of that many digits. */
const MAX_EXPONENT = 1000;

const LITERAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

const powers: bigint[] = [];
/** 10^n, cached: the arithmetic below rescales by small powers of ten all the time. */
function pow10(n: number): bigint {
  if (n < 64) return (powers[n] ??= 10n ** BigInt(n));
  return 10n ** BigInt(n);
}

/** `n / d` rounded to an integer in `mode`, from the truncated quotient and remainder BigInt division gives. */
function roundQuotient(n: bigint, d: bigint, mode: Rounding): bigint {
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const negative = n < 0n !== d < 0n;
  const away = negative ? q - 1n : q + 1n;
  switch (mode) {
    case ROUND_UP:
      return away;
    case ROUND_DOWN:
      return q;
    case ROUND_CEIL:
      return negative ? q : away;
    case ROUND_FLOOR:
      return negative ? away : q;
    default: {
      const twice = 2n * (r < 0n ? -r : r);
      const divisor = d < 0n ? -d : d;
      if (twice !== divisor) return twice > divisor ? away : q;
      if (mode === ROUND_HALF_UP) return away;
      if (mode === ROUND_HALF_DOWN) return q;
      return q % 2n === 0n ? q : away;
    }
  }
}

/** Text of `units / 10^scale` with exactly `scale` decimals; zero has no sign. */
function toText(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString();
  if (scale === 0) return negative ? `-${digits}` : digits;
  const padded = digits.padStart(scale + 1, '0');
  const cut = padded.length - scale;
  return `${negative ? '-' : ''}${padded.slice(0, cut)}.${padded.slice(cut)}`;
}

export type MoneyValue = string | number | Money;

/**
 * An exact decimal amount. Immutable; keeps the scale it was written or computed at ("1.50" has scale 2), which
 * `toFixed()` drops and comparisons ignore. Its methods are named as decimal.js's, which it replaced.
 */
export class Money {
  private constructor(
    /** The amount times 10^scale. */
    readonly units: bigint,
    /** Digits after the decimal point as held (trailing zeros included). */
    readonly scale: number,
    /** A quotient that did not end within `QUOTIENT_PLACES`: its last digit is the sticky one. */
    private readonly inexact = false,
  ) {}

  /** A decimal literal (`-12.50`, `1e-7`, `.5`), a JS number (by its shortest text), or a Money. */
  static of(value: MoneyValue): Money {
    if (value instanceof Money) return value;
    const text = typeof value === 'number' ? String(value) : value.trim();
    const match = LITERAL.exec(text);
    const whole = match?.[2] ?? '';
    const fraction = match?.[3] ?? '';
    if (!match || (whole === '' && fraction === '')) throw new RangeError(`Not a decimal number: ${text}`);
    const exponent = match[4] === undefined ? 0 : Number(match[4]);
    if (Math.abs(exponent) > MAX_EXPONENT) throw new RangeError(`Exponent out of range: ${text}`);
    let units = BigInt(whole + fraction);
    let scale = fraction.length - exponent;
    if (scale < 0) {
      units *= pow10(-scale);
      scale = 0;
    }
    return new Money(match[1] === '-' ? -units : units, scale);
  }

  /** An amount of `units / 10^scale`. */
  static ofUnits(units: bigint, scale: number): Money {
    return new Money(units, scale);
  }

  /** This amount's units at a larger scale. */
  private at(scale: number): bigint {
    return scale === this.scale ? this.units : this.units * pow10(scale - this.scale);
  }

  plus(other: MoneyValue): Money {
    const y = Money.of(other);
    const scale = Math.max(this.scale, y.scale);
    return new Money(this.at(scale) + y.at(scale), scale, this.inexact || y.inexact);
  }

  minus(other: MoneyValue): Money {
    return this.plus(Money.of(other).negated());
  }

  times(other: MoneyValue): Money {
    const y = Money.of(other);
    return new Money(this.units * y.units, this.scale + y.scale, this.inexact || y.inexact);
  }

  /** `this ÷ divisor`, exact when the quotient ends within 100 places, else held to round exactly (see above). */
  dividedBy(divisor: MoneyValue): Money {
    const y = Money.of(divisor);
    if (y.units === 0n) throw new RangeError('Division by zero');
    const n = this.units * pow10(y.scale + QUOTIENT_PLACES);
    const d = y.units * pow10(this.scale);
    const q = n / d;
    if (n % d === 0n && !this.inexact && !y.inexact) return new Money(q, QUOTIENT_PLACES);
    const sticky = n < 0n !== d < 0n ? -1n : 1n;
    return new Money(q * 10n + sticky, QUOTIENT_PLACES + 1, true);
  }

  negated(): Money {
    return new Money(-this.units, this.scale, this.inexact);
  }

  abs(): Money {
    return this.units < 0n ? this.negated() : this;
  }

  /** Rounded to at most `places` decimals (half-even unless told); an amount that already fits is unchanged. */
  toDecimalPlaces(places: number, rounding: Rounding = ROUND_HALF_EVEN): Money {
    if (this.scale <= places && !this.inexact) return this;
    if (this.scale <= places) return new Money(this.units, this.scale);
    return new Money(roundQuotient(this.units, pow10(this.scale - places), rounding), places);
  }

  comparedTo(other: MoneyValue): -1 | 0 | 1 {
    const y = Money.of(other);
    const scale = Math.max(this.scale, y.scale);
    const a = this.at(scale);
    const b = y.at(scale);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  equals(other: MoneyValue): boolean {
    return this.comparedTo(other) === 0;
  }

  greaterThan(other: MoneyValue): boolean {
    return this.comparedTo(other) > 0;
  }

  lessThan(other: MoneyValue): boolean {
    return this.comparedTo(other) < 0;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  isNegative(): boolean {
    return this.units < 0n;
  }

  /** Digits after the decimal point the amount needs ("1.50" → 1); an inexact quotient needs all 100 it has. */
  decimalPlaces(): number {
    return this.significant().scale;
  }

  /**
   * With no argument, the canonical text: no exponent, no trailing zeros ("1.50" → "1.5", "-0" → "0"); an inexact
   * quotient shows its 100 places, truncated. With `places`, exactly that many decimals, rounded half-even.
   */
  toFixed(places?: number): string {
    if (places === undefined) {
      const { units, scale } = this.significant();
      return toText(units, scale);
    }
    const rounded = this.toDecimalPlaces(places);
    return toText(rounded.at(places), places);
  }

  toString(): string {
    return this.toFixed();
  }

  toJSON(): string {
    return this.toFixed();
  }

  /** The same amount without trailing zeros (and without a quotient's sticky digit). */
  private significant(): { units: bigint; scale: number } {
    let units = this.inexact ? this.units / 10n : this.units;
    let scale = this.inexact ? this.scale - 1 : this.scale;
    if (units === 0n) return { units, scale: 0 };
    while (scale > 0 && units % 10n === 0n) {
      units /= 10n;
      scale -= 1;
    }
    return { units, scale };
  }
}

export function money(value: MoneyValue): Money {
  return Money.of(value);
}

/** `dividend ÷ divisor` rounded once, exactly, to `places` decimals (half-even unless told); throws on zero. */
export function quotient(dividend: MoneyValue, divisor: MoneyValue, places: number, rounding: Rounding = ROUND_HALF_EVEN): Money {
  const x = Money.of(dividend);
  const y = Money.of(divisor);
  if (y.units === 0n) throw new RangeError('Division by zero');
  // x/y = (xu / 10^xs) / (yu / 10^ys); at `places` decimals: xu · 10^(ys + places) / (yu · 10^xs).
  const shift = y.scale + places - x.scale;
  const n = shift >= 0 ? x.units * pow10(shift) : x.units;
  const d = shift >= 0 ? y.units : y.units * pow10(-shift);
  return Money.ofUnits(roundQuotient(n, d, rounding), places);
}

/** Canonical text of a decimal: no exponent, no trailing zeros ("1.50" → "1.5", "-0" → "0"). */
export function toDecimalString(value: MoneyValue): string {
  return Money.of(value).toFixed();
}

export function sum(values: Iterable<MoneyValue>): string {
  let total = Money.of(0);
  for (const v of values) total = total.plus(v);
  return total.toFixed();
}

/** Number of digits after the decimal point that the value really needs. */
export function scaleOf(value: MoneyValue): number {
  return Money.of(value).decimalPlaces();
}

export function fitsPrecision(value: MoneyValue, precision: number): boolean {
  return scaleOf(value) <= precision;
}

export function isNegative(value: MoneyValue): boolean {
  return Money.of(value).isNegative();
}

export function compare(a: MoneyValue, b: MoneyValue): number {
  return Money.of(a).comparedTo(b);
}

const LEDGER_LIMIT = Money.ofUnits(10n ** BigInt(LEDGER_INTEGER_DIGITS), 0);

/** Does the ledger hold this amount exactly: at most 18 decimal places, below 10^20 in magnitude? */
export function fitsLedger(value: MoneyValue): boolean {
  const d = Money.of(value);
  return d.decimalPlaces() <= LEDGER_SCALE && d.abs().lessThan(LEDGER_LIMIT);
}

/** A computed amount (a fee, a converted value) rounded once, half-even, to the ledger's scale. */
export function toLedgerScale(value: MoneyValue): string {
  return Money.of(value).toDecimalPlaces(LEDGER_SCALE, ROUND_HALF_EVEN).toFixed();
}

/*
 * Decimal strings as the API sends them, in and out as text at the scale they are written or computed at
 * ("1.50" × "2" = "3.00"): what the widget computes for display. These read only plain literals
 * (`-12.50`, `007`), and throw a RangeError on anything else.
 */

const PLAIN = /^(-)?(\d+)(?:\.(\d+))?$/;

export function isDecimal(text: string): boolean {
  return PLAIN.test(text);
}

function plain(value: string): Money {
  const text = value.trim();
  if (!PLAIN.test(text)) throw new RangeError(`Not a decimal number: ${value}`);
  return Money.of(text);
}

const written = (m: Money) => m.toFixed(m.scale);

export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  return plain(a).comparedTo(plain(b));
}

export function isNegativeDecimal(value: string): boolean {
  return plain(value).isNegative();
}

export function isZeroDecimal(value: string): boolean {
  return plain(value).isZero();
}

/** Digits after the decimal point as written ("1.50" → 2). */
export function writtenScale(value: string): number {
  return plain(value).scale;
}

export function addDecimal(a: string, b: string): string {
  return written(plain(a).plus(plain(b)));
}

export function multiplyDecimal(a: string, b: string): string {
  return written(plain(a).times(plain(b)));
}

/** `a ÷ b` rounded half-even to `places` digits; throws on division by zero. */
export function divideDecimal(a: string, b: string, places: number): string {
  return written(quotient(plain(a), plain(b), places));
}

/** `value` rounded away from zero to `places` digits: what a payment of a fractional minor unit costs. */
export function roundUpDecimal(value: string, places: number): string {
  return plain(value).toDecimalPlaces(places, ROUND_UP).toFixed(places);
}
