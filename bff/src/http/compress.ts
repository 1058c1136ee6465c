import { pipeline, Readable, type Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { promisify } from 'node:util';
import { brotliCompress, constants, createBrotliCompress, createGzip, gzip } from 'node:zlib';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { parseAccept } from 'hono/utils/accept';
import { COMPRESSIBLE_CONTENT_TYPE_REGEX } from 'hono/utils/compress';

/** Smaller answers gain less than the encoding costs: most portal and platform answers are below it. */
const THRESHOLD = 1024;
/** For answers made per request: brotli at 5 compresses JSON better than gzip's default, at about its speed. */
const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } };
const GZIP = { level: 6 };
/** Answers made whole in memory (JSON, problems, the hosted page): sized before choosing to compress them. */
const WHOLE = /^\s*(?:application\/(?:[\w.+-]+\+)?json|text\/html)(?:[;\s]|$)/i;

type Encoding = 'br' | 'gzip';
const encoders: Record<Encoding, { whole: (b: Buffer) => Promise<Buffer>; stream: () => Transform }> = {
  br: { whole: (b) => promisify(brotliCompress)(b, BROTLI), stream: () => createBrotliCompress(BROTLI) },
  gzip: { whole: (b) => promisify(gzip)(b, GZIP), stream: () => createGzip(GZIP) },
};

/** The encoding the client prefers of the two (brotli on a tie: every current browser sends both), if any. */
function negotiate(header: string): Encoding | null {
  const accepts = parseAccept(header);
  const q = (name: string) => accepts.find((a) => a.type.toLowerCase() === name)?.q ?? accepts.find((a) => a.type === '*')?.q ?? 0;
  const [br, gz] = [q('br'), q('gzip')];
  if (br === 0 && gz === 0) return null;
  return br >= gz ? 'br' : 'gzip';
}

/** The portal's live stream (stream/stream.routes.ts). */
const STREAM_PATH = '/portal/api/stream';

function skip(c: Context): boolean {
  const res = c.res;
  const length = res.headers.get('content-length');
  return (
    !res.body ||
    c.req.method === 'HEAD' ||
    res.status === 204 ||
    res.status === 206 ||
    res.status === 304 ||
    res.headers.has('content-encoding') ||
    (length !== null && Number(length) < THRESHOLD) ||
    // Event streams are left out by this list: a compressor would hold the events back.
    !COMPRESSIBLE_CONTENT_TYPE_REGEX.test(res.headers.get('content-type') ?? '') ||
    /(?:^|,)\s*no-transform\s*(?:,|$)/i.test(res.headers.get('cache-control') ?? '')
  );
}

/**
 * Compresses answers for clients that accept it (brotli or gzip, as the client prefers), the JSON and the hosted
 * page; the widget's files go out precompressed by the build (http/widget-assets.ts) and are left alone here, as
 * are event streams, small answers, HEAD and ranges. A request without Accept-Encoding (most API clients, and the
 * benchmarks) returns before the answer is touched: reading a finished answer makes @hono/node-server build a full
 * Response (see secure-headers.ts). `hono/compress` has no brotli and compresses answers of unknown size however
 * small, hence this.
 */
export const compressResponses: MiddlewareHandler = (c, next) => {
  const accepted = c.req.header('accept-encoding');
  // Passed straight through, not awaited: no async frame and promise of its own on such a request. The live stream
  // too, which is never compressed: reading its headers would make a full Response to hold for its whole life
  // (1.7 KB a stream with 10,000 open, `pnpm bench streams`).
  if (accepted === undefined || c.req.path === STREAM_PATH) return next();
  return compress(c, next, accepted);
};

async function compress(c: Context, next: Next, accepted: string): Promise<void> {
  const encoding = accepted ? negotiate(accepted) : null;
  await next();
  if (skip(c)) return;
  const res = c.res;
  const vary = res.headers.get('vary');
  const headers = new Headers(res.headers);
  if (!vary || !/accept-encoding/i.test(vary)) headers.set('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
  if (!encoding) {
    c.res = new Response(res.body, { status: res.status, headers });
    return;
  }
  const etag = headers.get('etag');
  if (etag && !etag.startsWith('W/')) headers.set('etag', `W/${etag}`);
  if (!headers.has('content-length') && WHOLE.test(headers.get('content-type') ?? '')) {
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length < THRESHOLD) {
      headers.set('content-length', String(body.length));
      c.res = new Response(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.length), { status: res.status, headers });
      return;
    }
    const encoded = await encoders[encoding].whole(body);
    headers.set('content-encoding', encoding);
    headers.set('content-length', String(encoded.length));
    c.res = new Response(new Uint8Array(encoded.buffer as ArrayBuffer, encoded.byteOffset, encoded.length), {
      status: res.status,
      headers,
    });
    return;
  }
  const encoder = encoders[encoding].stream();
  // pipeline, not pipe: an answer that fails midway aborts the compressed one too.
  pipeline(Readable.fromWeb(res.body as NodeReadableStream), encoder, () => undefined);
  headers.delete('content-length');
  headers.set('content-encoding', encoding);
  c.res = new Response(Readable.toWeb(encoder) as ReadableStream, { status: res.status, headers });
}
