import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDecimal,
  compareDecimal,
  divideDecimal,
  fitsLedger,
  money,
  multiplyDecimal,
  quotient,
  ROUND_DOWN,
  ROUND_HALF_EVEN,
  ROUND_UP,
  roundUpDecimal,
  sum,
  toDecimalString,
  toLedgerScale,
  writtenScale,
} from '../src/money.ts';
import {
  add,
  canonical,
  decimal,
  div,
  divisor,
  ledgerAmount,
  MODES,
  mul,
  nonZero,
  rational,
  roundReference,
  same,
  sign,
  unitsText,
} from './reference.ts';

describe('the exact decimal against a rational reference', () => {
  it('reads and prints any plain decimal canonically', () => {
    fc.assert(
      fc.property(decimal, (t) => {
        expect(toDecimalString(t)).toBe(canonical(rational(t)));
      }),
    );
  });

  it('adds, subtracts and multiplies exactly', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const x = rational(a);
        const y = rational(b);
        expect(money(a).plus(b).toFixed()).toBe(canonical(add(x, y)));
        expect(money(a).minus(b).toFixed()).toBe(canonical(add(x, { n: -y.n, d: y.d })));
        expect(money(a).times(b).toFixed()).toBe(canonical(mul(x, y)));
        expect(money(a).comparedTo(b)).toBe(sign(x.n * y.d - y.n * x.d));
      }),
      { numRuns: 500 },
    );
  });

  it('divides to a stated scale with one exact rounding, in every mode', () => {
    fc.assert(
      fc.property(decimal, divisor, fc.integer({ min: 0, max: 40 }), fc.constantFrom(...MODES), (a, b, places, mode) => {
        const expected = roundReference(div(rational(a), rational(b)), places, mode);
        expect(quotient(a, b, places, mode).toFixed(places)).toBe(unitsText(expected, places));
      }),
      { numRuns: 1000 },
    );
  });

  it('a quotient without a scale rounds later exactly as the true quotient would (below 100 places)', () => {
    fc.assert(
      fc.property(decimal, divisor, fc.integer({ min: 0, max: 99 }), fc.constantFrom(...MODES), (a, b, places, mode) => {
        const expected = roundReference(div(rational(a), rational(b)), places, mode);
        const rounded = money(a).dividedBy(b).toDecimalPlaces(places, mode);
        expect(same(rational(rounded.toFixed()), { n: expected, d: 10n ** BigInt(places) })).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('a quotient that ends is exact: (a × b) ÷ b = a', () => {
    fc.assert(
      fc.property(decimal, nonZero, (a, b) => {
        expect(money(a).times(b).dividedBy(b).toFixed()).toBe(toDecimalString(a));
      }),
    );
  });

  it('sums ledger amounts exactly, in any order', () => {
    fc.assert(
      fc.property(fc.array(ledgerAmount, { maxLength: 50 }), (values) => {
        const expected = canonical(values.map(rational).reduce(add, { n: 0n, d: 1n }));
        expect(sum(values)).toBe(expected);
        expect(sum([...values].reverse())).toBe(expected);
      }),
    );
  });

  it('rounds a computed amount once, half-even, to 18 places', () => {
    // A 19th decimal of 5 and nothing after it is a tie: to the even neighbour.
    fc.assert(
      fc.property(ledgerAmount, (a) => {
        const tie = `${a}5`;
        const expected = roundReference(rational(tie), 18, ROUND_HALF_EVEN);
        expect(toLedgerScale(tie)).toBe(canonical({ n: expected, d: 10n ** 18n }));
      }),
    );
    fc.assert(
      fc.property(ledgerAmount, ledgerAmount, (a, b) => {
        const expected = roundReference(mul(rational(a), rational(b)), 18, ROUND_HALF_EVEN);
        expect(toLedgerScale(money(a).times(b))).toBe(canonical({ n: expected, d: 10n ** 18n }));
      }),
    );
  });

  it('keeps the written scale in the display helpers', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const scale = (t: string) => t.split('.')[1]?.length ?? 0;
        const x = rational(a);
        const y = rational(b);
        const total = addDecimal(a, b);
        expect(scale(total)).toBe(Math.max(scale(a), scale(b)));
        expect(same(rational(total), add(x, y))).toBe(true);
        const product = multiplyDecimal(a, b);
        expect(scale(product)).toBe(scale(a) + scale(b));
        expect(same(rational(product), mul(x, y))).toBe(true);
        expect(writtenScale(a)).toBe(scale(a));
        expect(compareDecimal(a, b)).toBe(sign(x.n * y.d - y.n * x.d));
      }),
    );
    fc.assert(
      fc.property(decimal, divisor, fc.integer({ min: 0, max: 30 }), (a, b, places) => {
        expect(divideDecimal(a, b, places)).toBe(unitsText(roundReference(div(rational(a), rational(b)), places, ROUND_HALF_EVEN), places));
        expect(roundUpDecimal(a, places)).toBe(unitsText(roundReference(rational(a), places, ROUND_UP), places));
      }),
    );
  });
});

describe('values that break binary floats', () => {
  it('0.1 + 0.2 is 0.3; 2^53 + 1 stays odd; 40 digits survive', () => {
    expect(money('0.1').plus('0.2').toFixed()).toBe('0.3');
    expect(money('9007199254740992').plus(1).toFixed()).toBe('9007199254740993');
    expect(money('1234567890123456789012345678901234567890').times('1.5').toFixed()).toBe('1851851835185185183518518518351851851835');
    expect(sum(['0.12345678901234567', '0.00000000000000001'])).toBe('0.12345678901234568');
  });

  it('reads what the API and the database send: trailing zeros, exponents, JS numbers', () => {
    expect(toDecimalString('12.500000000000000000')).toBe('12.5');
    expect(toDecimalString('-0.000')).toBe('0');
    expect(toDecimalString('1e-7')).toBe('0.0000001');
    expect(toDecimalString('1.5E+3')).toBe('1500');
    expect(toDecimalString(1e21)).toBe('1000000000000000000000');
    expect(toDecimalString(0.1)).toBe('0.1');
    expect(() => money('NaN')).toThrow(RangeError);
    expect(() => money('0x10')).toThrow(RangeError);
    expect(() => money('1e999999999')).toThrow(RangeError);
    expect(() => money('1').dividedBy('0')).toThrow(RangeError);
  });

  it('rounds half-even at the stated places, and toFixed(places) pads', () => {
    expect(money('2.5').toFixed(0)).toBe('2');
    expect(money('3.5').toFixed(0)).toBe('4');
    expect(money('-1.5').toFixed(0)).toBe('-2');
    expect(money('1.005').toFixed(2)).toBe('1.00');
    expect(money('5').toFixed(2)).toBe('5.00');
    expect(money('0.125').toDecimalPlaces(2, ROUND_UP).toFixed()).toBe('0.13');
    expect(money('0.129').toDecimalPlaces(2, ROUND_DOWN).toFixed()).toBe('0.12');
  });

  it('the ledger holds 20 integer digits and 18 decimals exactly', () => {
    expect(fitsLedger('99999999999999999999.999999999999999999')).toBe(true);
    expect(fitsLedger('99999999999999999999.9999999999999999990')).toBe(true);
    expect(fitsLedger('100000000000000000000')).toBe(false);
    expect(fitsLedger(money(1).dividedBy(3))).toBe(false);
  });
});
