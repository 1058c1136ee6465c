import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { parse } from 'lossless-json';
import { ExactNumber, type FieldError } from '@credyt/shared';
import { ProblemError } from './problem.ts';

const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Deepest nesting a body may have: far beyond any real `data` or `metadata`, far below any stack or jsonb limit. */
const MAX_JSON_DEPTH = 32;

/** Integers stay numbers while exact; every other number keeps its exact decimal text. */
function exactNumber(text: string): number | ExactNumber {
  if (/^-?\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  return new ExactNumber(text);
}

/** In `u` mode a pair is one code point, so this matches only a surrogate without its partner. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * What no field can store: PostgreSQL's text and jsonb refuse NUL, and jsonb refuses a lone UTF-16 surrogate.
 * Answered as the field at fault instead of a database error.
 */
function unstorableText(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain the NUL character';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode (it contains a lone surrogate)';
  return null;
}

/** Walks a parsed body without recursion: the first field that cannot be stored, or nesting past the limit. */
function checkStorable(root: unknown): FieldError[] {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  const errors: FieldError[] = [];
  while (stack.length > 0 && errors.length < 10) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = unstorableText(value);
      if (problem) errors.push({ path: path || '(body)', message: problem });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      errors.push({ path: path || '(body)', message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      const keyProblem = unstorableText(key);
      if (keyProblem) errors.push({ path: childPath, message: `has a key: ${keyProblem}` });
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return errors;
}

/** Counts nesting before parsing, so a body of a million `[` is refused without a recursive parse. */
function depthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 91 /* [ */ || ch === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (ch === 93 || ch === 125) depth--;
  }
  return false;
}

const tooLarge = () => {
  throw new ProblemError(413, `The body is larger than ${MAX_BODY_BYTES} bytes.`);
};

const limitStreaming = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
/** Methods whose body no route reads: Node discards it unread, so it costs no memory. */
const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Counts bytes while the body streams in (with or without Content-Length), before anything else reads it.
 * Skipped where no route reads a body: `bodyLimit` looks at `c.req.raw.body`, which makes @hono/node-server
 * build a full Request, and that alone cost /livez 45% of its throughput (see the portal benchmark).
 */
export const limitBody: MiddlewareHandler = (c, next) => (BODYLESS.has(c.req.method) ? next() : limitStreaming(c, next));

/**
 * Routes that also take JSON sent as text/plain: the link exchange, which the element sends so, a CORS "simple
 * request" with no preflight, one round trip fewer before the first balances (half a second on a slow phone
 * network). It sets no cookie, and only an allowed origin can read its answer. The route then sees JSON.
 */
const TEXT_PLAIN_JSON = new Set(['/portal/api/session']);

/**
 * Parses JSON request bodies without binary floating point: `0.1` arrives as the text "0.1", and 2^53 + 1 as
 * "9007199254740993". The result replaces `c.req.json()` for this request, which is what every validator reads.
 * Malformed, too deep, unstorable or non-JSON bodies are answered with a problem.
 */
export const exactJsonBody: MiddlewareHandler = async (c, next) => {
  const method = c.req.method;
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') return next();
  const contentType = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  let parsed: unknown = {};
  const textPlainJson = TEXT_PLAIN_JSON.has(c.req.path) && /^text\/plain\b/i.test(contentType);
  if (text.trim() !== '') {
    if (!textPlainJson && !/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
      // The Stripe webhook reads its raw body itself; everything else speaks JSON.
      if (c.req.path === '/webhooks/stripe') return next();
      throw new ProblemError(415, 'Send the body as JSON with Content-Type: application/json.');
    }
    if (depthExceeds(text, MAX_JSON_DEPTH + 1)) {
      throw new ProblemError(400, `The body nests deeper than ${MAX_JSON_DEPTH} levels.`, [
        { path: '(body)', message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` },
      ]);
    }
    try {
      parsed = parse(text, null, exactNumber);
    } catch (err) {
      throw new ProblemError(400, `The body is not valid JSON: ${err instanceof Error ? err.message : 'parse error'}.`);
    }
    const errors = checkStorable(parsed);
    if (errors.length > 0) throw new ProblemError(422, 'The request has fields that cannot be stored.', errors);
  }
  if (textPlainJson) {
    // The body is read (and cached below): the request the validators see says what it holds.
    const headers = new Headers(c.req.raw.headers);
    headers.set('content-type', 'application/json');
    c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers });
  }
  const body = Promise.resolve(parsed);
  c.req.bodyCache.json = body;
  // Hono's validators call `c.req.json()`, which re-parses the text with JSON.parse: answer it with the exact parse.
  c.req.json = (() => body) as typeof c.req.json;
  return next();
};

/** Paths and query strings that the database could not store or compare: NUL, lone surrogates, bad escapes. */
export const storableUrl: MiddlewareHandler = async (c, next) => {
  const url = c.req.url;
  const q = url.indexOf('?');
  let path: string;
  try {
    path = decodeURIComponent(c.req.path);
  } catch {
    throw new ProblemError(400, 'The path has a malformed percent-escape.', [{ path: '(path)', message: 'malformed percent-escape' }]);
  }
  const pathProblem = unstorableText(path);
  if (pathProblem) throw new ProblemError(400, `The path ${pathProblem}.`, [{ path: '(path)', message: pathProblem }]);
  if (q >= 0) {
    let params: URLSearchParams;
    try {
      params = new URLSearchParams(url.slice(q + 1));
    } catch {
      throw new ProblemError(400, 'The query string is malformed.');
    }
    for (const [key, value] of params) {
      const problem = unstorableText(key) ?? unstorableText(value);
      if (problem) throw new ProblemError(400, `The query parameter ${JSON.stringify(key)} ${problem}.`, [{ path: key, message: problem }]);
    }
    // URLSearchParams replaces bad escapes with U+FFFD; a raw %-sequence that is not UTF-8 is refused outright.
    for (const part of url.slice(q + 1).split('&')) {
      try {
        decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        throw new ProblemError(400, 'The query string has a malformed percent-escape.', [
          { path: '(query)', message: 'malformed percent-escape' },
        ]);
      }
    }
  }
  return next();
};
