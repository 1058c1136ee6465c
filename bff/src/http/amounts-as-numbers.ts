import { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';

/** The fields of platform answers that carry an amount, a rate or a price. */
const AMOUNT_FIELDS = new Set([
  'amount',
  'available',
  'balance_after',
  'fiat_amount',
  'package_size',
  'pending_in',
  'pending_out',
  'rate',
  'threshold',
  'unit_price',
  'units',
  'volume_rate',
]);
/** What the platform sent is answered as it sent it: an `amount` inside an event's `data` stays a string. */
const PLATFORM_CONTENT = new Set(['data', 'metadata', 'dimensions']);
const DECIMAL = /^-?\d+(\.\d+)?$/;
/**
 * An amount marked for writing as a number: NUL cannot occur in a stored string (bodies refuse it), so after
 * `JSON.stringify` a `"\u0000` opening a string can only be a mark, and only digits follow it.
 */
const MARK = '\u0000';
const MARKED = /"\\u0000(-?\d+(?:\.\d+)?)"/g;

/** JSON with every amount string written as a number literal; platform content (`data`, `metadata`) verbatim. */
export function writeAmountsAsNumbers(value: unknown): string {
  const verbatim = new WeakSet<object>();
  const text = JSON.stringify(value, function (this: object, key: string, v: unknown) {
    const isObject = v !== null && typeof v === 'object';
    if (verbatim.has(this) || (isObject && PLATFORM_CONTENT.has(key))) {
      if (isObject) verbatim.add(v);
      return v;
    }
    return typeof v === 'string' && AMOUNT_FIELDS.has(key) && DECIMAL.test(v) ? MARK + v : v;
  });
  return text.replace(MARKED, '$1');
}

type Body = (data: string, arg?: unknown, headers?: Record<string, string | string[]>) => Response;

/**
 * Credyt answers amounts as JSON numbers (https://docs.credyt.ai/quickstart/check-balance: `"available": 998.5`).
 * Services keep them as exact decimal strings; the platform routes' `c.json` writes those strings as number
 * literals, digit for digit, so `0.00000125` or a 30-digit balance never passes through a binary float. Problems
 * (written with `c.body`) are left as they are.
 */
export const amountsAsNumbers: MiddlewareHandler = async (c, next) => {
  const body = c.body as unknown as Body;
  c.json = ((object: unknown, arg?: unknown, headers?: Record<string, string | string[]>) =>
    body(writeAmountsAsNumbers(object), arg, { 'Content-Type': 'application/json', ...headers })) as typeof c.json;
  await next();
};

/** An amount in a platform answer: exact decimal text in the handler, a JSON number on the wire (`amountsAsNumbers`). */
export const WireAmount = z
  .string()
  .openapi({ type: 'number', description: 'Exact: written from its decimal text, never through a float' });
