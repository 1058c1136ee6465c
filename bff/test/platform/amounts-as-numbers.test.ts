import { describe, expect, it } from 'vitest';
import { writeAmountsAsNumbers } from '../../src/http/amounts-as-numbers.ts';

describe('platform answers write amounts as JSON numbers', () => {
  it('digit for digit, leaving what the platform sent (data, metadata, dimensions) as it sent it', () => {
    const text = writeAmountsAsNumbers({
      available: '-123456789012345678901.123456789012345678',
      fees: [{ amount: '0.00000125', fiat_amount: null, price_name: '0.5' }],
      rates: [{ source: 'USD', rate: '0.1' }],
      data: { amount: '5', nested: { rate: '2' } },
      metadata: { units: '3' },
      pricing: [{ values: [{ dimensions: { amount: '7' }, values: [{ unit_price: '0.05' }] }] }],
      amount: '1e5',
    });
    expect(text).toBe(
      '{"available":-123456789012345678901.123456789012345678,' +
        '"fees":[{"amount":0.00000125,"fiat_amount":null,"price_name":"0.5"}],' +
        '"rates":[{"source":"USD","rate":0.1}],' +
        '"data":{"amount":"5","nested":{"rate":"2"}},"metadata":{"units":"3"},' +
        '"pricing":[{"values":[{"dimensions":{"amount":"7"},"values":[{"unit_price":0.05}]}]}],' +
        '"amount":"1e5"}',
    );
  });
});
