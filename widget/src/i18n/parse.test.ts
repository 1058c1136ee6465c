import { expect } from '@open-wc/testing';
import { formatDecimalInput, parseDecimal } from './parse.ts';

describe('parseDecimal', () => {
  const cases: Array<[locale: string, typed: string, read: string | null]> = [
    ['es', '10,50', '10.50'],
    ['es', '1.000', '1000'],
    ['es', '1.000,5', '1000.5'],
    ['es', '10.50', '10.50'], // a point with two decimals cannot be grouping: the customer meant it
    ['es', '10,00 US$', '10.00'],
    ['en', '10.50', '10.50'],
    ['en', '1,000', '1000'],
    ['en', '1,234,567.89', '1234567.89'],
    ['en', '10,5', '10.5'],
    ['en', '$25', '25'],
    ['en', '007', '7'],
    ['en', '.5', '0.5'],
    ['ar', '١٠٫٥٠', '10.50'],
    ['ar', '١٬٠٠٠', '1000'],
    ['ar', '25.5', '25.5'],
    ['ar-EG', '٢٥٫٥', '25.5'],
    ['fa', '۱۲۳', '123'],
    ['fr', '1 000,25', '1000.25'],
    ['fr', '1\u202F000,25', '1000.25'],
    ['de-CH', "1'000.5", '1000.5'],
    ['en-IN', '1,00,000', '100000'],
    ['en', '-5', '-5'],
    ['en', '−5', '-5'],
    ['en', '0.00000000000000000001', '0.00000000000000000001'],
    ['en', '12345678901234567890.5', '12345678901234567890.5'],
    ['en', '', null],
    ['en', 'abc', null],
    ['en', '1e5', null],
    ['en', '1.2.3', null],
    ['en', '1,00', '1.00'],
    ['en', '12,34,5', null],
    ['es', '1,2,3', null],
    ['en', '.', null],
  ];
  for (const [locale, typed, read] of cases) {
    it(`reads ${JSON.stringify(typed)} in ${locale} as ${JSON.stringify(read)}`, () => {
      expect(parseDecimal(typed, locale)).to.equal(read);
    });
  }

  it('writes a value back as the locale types it, exactly and without grouping', () => {
    expect(formatDecimalInput('1000.5', 'es')).to.equal('1000,5');
    expect(formatDecimalInput('25', 'ar-EG')).to.equal('٢٥');
    expect(formatDecimalInput('0.1', 'en')).to.equal('0.1');
    expect(parseDecimal(formatDecimalInput('1234.5678', 'ar-EG'), 'ar-EG')).to.equal('1234.5678');
  });
});
