import { describe, expect, it } from 'vitest';
import { DecimalInput, ExactNumber, fitsLedger, LEDGER_INTEGER_DIGITS, LEDGER_SCALE, money, sum, toLedgerScale } from '../src/index.ts';

describe('the ledger scale', () => {
  it('is 18 decimal places below 10^20', () => {
    expect(LEDGER_SCALE).toBe(18);
    expect(LEDGER_INTEGER_DIGITS).toBe(20);
    expect(fitsLedger('99999999999999999999.999999999999999999')).toBe(true);
    expect(fitsLedger('-99999999999999999999.999999999999999999')).toBe(true);
    expect(fitsLedger('100000000000000000000')).toBe(false);
    expect(fitsLedger('0.0000000000000000001')).toBe(false);
  });

  it('rounds a computed amount once, half-even, to 18 places', () => {
    expect(toLedgerScale(money(1).dividedBy(3))).toBe('0.333333333333333333');
    expect(toLedgerScale(money(2).dividedBy(3))).toBe('0.666666666666666667');
    expect(toLedgerScale('0.0000000000000000005')).toBe('0');
    expect(toLedgerScale('0.0000000000000000015')).toBe('0.000000000000000002');
    expect(toLedgerScale(money('0.1234567890123456789').times('1.25').dividedBy(3))).toBe('0.051440328755144033');
  });

  it('sums in-range amounts exactly: 200 thirds at the edge of the range', () => {
    const third = toLedgerScale(money(1).dividedBy(3));
    const values = ['99999999999999999000', ...Array.from({ length: 200 }, () => `-${third}`)];
    expect(sum(values)).toBe('99999999999999998933.3333333333333334');
    // The product of a 38-digit rate and a 60-digit volume is exact before its one rounding.
    const rate = '0.12345678901234567890123456789012345678';
    const volume = '1'.repeat(60);
    expect(money(rate).times(volume).dividedBy(volume).toFixed()).toBe(rate);
  });

  it('DecimalInput takes 20 integer digits and 18 decimals, no more', () => {
    expect(DecimalInput.parse(new ExactNumber('-99999999999999999999.999999999999999999'))).toBe(
      '-99999999999999999999.999999999999999999',
    );
    expect(DecimalInput.parse(new ExactNumber('1.0000000000000001'))).toBe('1.0000000000000001');
    expect(DecimalInput.safeParse(new ExactNumber('0.1234567890123456789')).success).toBe(false);
    expect(DecimalInput.safeParse('100000000000000000000').success).toBe(false);
  });
});
