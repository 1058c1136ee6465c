import { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';

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

function numbersAt(value: unknown, key: string | null): unknown {
  if (typeof value === 'string') return key !== null && AMOUNT_FIELDS.has(key) && DECIMAL.test(value) ? new LosslessNumber(value) : value;
  if (Array.isArray(value)) return value.map((item) => numbersAt(item, key));
  if (value === null || typeof value !== 'object' || isLosslessNumber(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = PLATFORM_CONTENT.has(k) ? v : numbersAt(v, k);
  return out;
}

/**
 * Credyt answers amounts as JSON numbers (https://docs.credyt.ai/quickstart/check-balance: `"available": 998.5`).
 * Services keep them as exact decimal strings; this writes those strings as number literals, digit for digit, so
 * `0.00000125` or a 30-digit balance never passes through a binary float. Problems are left as they are.
 */
export const amountsAsNumbers: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.get('content-type')?.startsWith('application/json')) return;
  // Parsed losslessly: a number already in the answer (an exact price in a product's pricing) keeps its digits.
  const body = parse(await c.res.clone().text());
  const headers = new Headers(c.res.headers);
  headers.delete('content-length');
  c.res = new Response(stringify(numbersAt(body, null)), { status: c.res.status, headers });
};

/** An amount in a platform answer: exact decimal text in the handler, a JSON number on the wire (`amountsAsNumbers`). */
export const WireAmount = z
  .string()
  .openapi({ type: 'number', description: 'Exact: written from its decimal text, never through a float' });
