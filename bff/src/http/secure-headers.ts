import type { Context, MiddlewareHandler, Next } from 'hono';

/**
 * What a JSON API answer needs, and no more: no MIME sniffing, never kept by a browser or a proxy (balances,
 * sessions, keys), readable only by its own origin unless CORS says otherwise, and no Referer leaking a path.
 * Page-only headers (framing, CSP, COOP, Permissions-Policy) are set by the HTML pages themselves (hosted.ts);
 * HSTS belongs to the TLS terminator in front. Each header is bytes on every response: the full
 * `hono/secure-headers` set of twelve cost /livez about 30% of its throughput (see the portal benchmark).
 *
 * Set with `c.header()` before the handler runs, rather than on `c.res.headers` after it as `secureHeaders()`
 * does: touching a finished response makes @hono/node-server build a full Response and stream its body.
 */
const API: [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Cache-Control', 'no-store'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Referrer-Policy', 'no-referrer'],
];

export const secureHeaders: MiddlewareHandler = (c, next) => {
  if (c.req.path.startsWith('/widget/')) return staticFileHeaders(c, next);
  for (const [name, value] of API) c.header(name, value);
  // Passed straight through, not awaited: no async frame and promise of its own on an API request.
  return next();
};

/**
 * Static files, loaded by platforms' pages from another origin: set on the finished response, after CORS and the
 * file server wrote theirs (setting them first would be dropped when the file server builds its response).
 */
async function staticFileHeaders(c: Context, next: Next): Promise<void> {
  await next();
  c.res.headers.set('X-Content-Type-Options', 'nosniff');
  c.res.headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
}
