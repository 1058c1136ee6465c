import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fiatInfo, fiatValue, type AssetInfo } from '../../src/catalog/registry.ts';
import { calculateFees, FeeOutOfRange, type FeeContext } from '../../src/pricing/fees.ts';
import type { PriceRule, PriceValue } from '../../src/pricing/types.ts';
import { canonical, digits, div, mul, rational, roundReference } from '../../../shared/test/reference.ts';
import { ROUND_HALF_EVEN } from '@credyt/shared';

/** The fee calculator alone, with real assets and no database: what one event costs under given prices. */

const TOKENS: AssetInfo = {
  code: 'TOK',
  name: 'Tokens',
  precision: 0,
  symbol: null,
  label: 'tokens',
  labelSingular: 'token',
  fiat: false,
  rates: [{ source: 'USD', rate: '0.000001' }],
};
const ctx: FeeContext = {
  asset: (code) => (code === 'TOK' ? TOKENS : fiatInfo(code)!),
  fiatValue: (amount, asset) => fiatValue(amount, asset, 'USD'),
};

function rule(values: PriceRule['pricing'][number]['values'], overrides: Partial<PriceRule> = {}): PriceRule {
  return {
    id: 'price_1',
    name: 'Chat',
    productCode: 'ai',
    productName: 'AI',
    eventType: 'chat',
    usageType: 'volume',
    volumeField: 'tokens',
    sourceReferenceField: null,
    billableDimensions: [],
    pricing: [{ asset: 'USD', values }],
    description: null,
    ...overrides,
  };
}

const feeOf = (value: PriceValue, data: Record<string, unknown>) => {
  const outcome = calculateFees({ event_type: 'chat', data }, [rule([value])], ctx);
  if (!outcome.billed) throw new Error(outcome.reason);
  return outcome.fees[0]!;
};

describe('calculateFees', () => {
  it('volume_rate × volume ÷ package_size is rounded once, half-even, to 18 places', () => {
    fc.assert(
      fc.property(
        fc.tuple(digits(20), digits(18)).map(([w, f]) => `${w.replace(/^0+(?=\d)/, '')}.${f}`),
        digits(60).map((v) => v.replace(/^0+(?=\d)/, '')),
        digits(12).map((p) => p.replace(/^0+/, '') || '1'),
        (rate, volume, packageSize) => {
          const exact = div(mul(rational(rate), rational(volume)), rational(packageSize));
          const expected = canonical({ n: roundReference(exact, 18, ROUND_HALF_EVEN), d: 10n ** 18n });
          try {
            expect(feeOf({ volume_rate: rate, package_size: packageSize }, { tokens: volume }).amount).toBe(expected);
          } catch (error) {
            // A fee of 10^20 or more is refused, naming the field; nothing else may throw.
            if (!(error instanceof FeeOutOfRange)) throw error;
            expect(error.field).toBe('data.tokens');
            expect(BigInt(expected.split('.')[0]!) >= 10n ** 20n).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the 19th decimal decides, and a tie goes to the even neighbour', () => {
    expect(feeOf({ volume_rate: '1.25', package_size: '3' }, { tokens: '0.1234567890123456789' }).amount).toBe('0.051440328755144033');
    expect(feeOf({ volume_rate: '0.000000000000000005' }, { tokens: '0.1' }).amount).toBe('0');
    expect(feeOf({ volume_rate: '0.000000000000000015' }, { tokens: '0.1' }).amount).toBe('0.000000000000000002');
  });

  it('a unit price is the fee as written; its fiat value is rounded once to 18 places', () => {
    const outcome = calculateFees(
      { event_type: 'chat', data: {} },
      [rule([{ unit_price: '3' }], { usageType: 'unit', volumeField: null, pricing: [{ asset: 'TOK', values: [{ unit_price: '3' }] }] })],
      ctx,
    );
    expect(outcome).toMatchObject({ billed: true, fees: [{ amount: '3', asset: 'TOK', fiat_amount: '0.000003' }] });
    expect(feeOf({ unit_price: '0.00000125' }, {})).toMatchObject({ amount: '0.00000125', fiat_amount: '0.00000125' });
  });

  it('a volume beyond 2^53 is read from its exact text, never from a float', () => {
    expect(feeOf({ volume_rate: '1' }, { tokens: '9007199254740993' }).amount).toBe('9007199254740993');
    expect(feeOf({ volume_rate: '0.000000000000000001' }, { tokens: '12345678901234567890' }).amount).toBe('12.34567890123456789');
  });

  it('a fee of 10^20 or more, or a volume of more than 60 digits, is refused naming the field', () => {
    expect(() => feeOf({ volume_rate: '1' }, { tokens: '1' + '0'.repeat(20) })).toThrow(FeeOutOfRange);
    expect(() => feeOf({ volume_rate: '0.000000000000000001' }, { tokens: '1'.repeat(61) })).toThrow(FeeOutOfRange);
    expect(feeOf({ volume_rate: '1' }, { tokens: '9'.repeat(20) }).amount).toBe('9'.repeat(20));
  });

  it('a missing or negative volume leaves the event unbilled, with the reason', () => {
    const outcome = calculateFees({ event_type: 'chat', data: { tokens: '-1' } }, [rule([{ volume_rate: '1' }])], ctx);
    expect(outcome).toEqual({ billed: false, reason: 'price "Chat" needs a non-negative number in data.tokens' });
    expect(calculateFees({ event_type: 'other', data: {} }, [rule([{ volume_rate: '1' }])], ctx)).toEqual({
      billed: false,
      reason: 'no subscribed price for event_type "other"',
    });
  });

  it('dimensions: the exact match first, then the most specific "*" fallback', () => {
    const priced = rule(
      [
        { dimensions: { model: 'large', region: '*' }, values: [{ unit_price: '2' }] },
        { dimensions: { model: 'large', region: 'eu' }, values: [{ unit_price: '3' }] },
        { dimensions: { model: '*', region: '*' }, values: [{ unit_price: '1' }] },
      ],
      { usageType: 'unit', volumeField: null, billableDimensions: ['model', 'region'] },
    );
    const amount = (data: Record<string, unknown>) => {
      const outcome = calculateFees({ event_type: 'chat', data }, [priced], ctx);
      return outcome.billed ? outcome.fees.map((f) => f.amount) : outcome.reason;
    };
    expect(amount({ model: 'large', region: 'eu' })).toEqual(['3']);
    expect(amount({ model: 'large', region: 'us' })).toEqual(['2']);
    expect(amount({ model: 'small', region: 'us' })).toEqual(['1']);
  });
});
