import type { MiddlewareHandler } from 'hono';
import { isLosslessNumber, parse, type LosslessNumber } from 'lossless-json';
import { ProblemError } from './problem.ts';

export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Integers stay numbers while exact; every other number keeps its exact decimal text. */
function exactNumber(value: LosslessNumber): number | string {
  const text = value.toString();
  if (/^-?\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  return text;
}

/**
 * Parses JSON request bodies without binary floating point: `0.1` arrives as the text "0.1". Installs the result
 * where Hono's validators read it, and answers malformed, oversized or non-JSON bodies with a problem.
 */
export const exactJsonBody: MiddlewareHandler = async (c, next) => {
  const method = c.req.method;
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') return next();
  const length = Number(c.req.header('content-length') ?? '0');
  if (length > MAX_BODY_BYTES) throw new ProblemError(413, `The body is larger than ${MAX_BODY_BYTES} bytes.`);
  const contentType = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw new ProblemError(413, `The body is larger than ${MAX_BODY_BYTES} bytes.`);
  if (text.trim() === '') {
    c.req.bodyCache.json = Promise.resolve({});
    return next();
  }
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    throw new ProblemError(415, 'Send the body as JSON with Content-Type: application/json.');
  }
  let parsed: unknown;
  try {
    parsed = parse(text, null, (value) => (isLosslessNumber(value) ? exactNumber(value) : value));
  } catch (err) {
    throw new ProblemError(400, `The body is not valid JSON: ${err instanceof Error ? err.message : 'parse error'}.`);
  }
  c.req.bodyCache.json = Promise.resolve(parsed);
  return next();
};
