import type { MiddlewareHandler } from 'hono';

/**
 * The headers of `hono/secure-headers`' defaults (nosniff, no-referrer, SAMEORIGIN framing, HSTS, …) plus
 * `Cache-Control: no-store` on everything but the widget bundle. Set with `c.header()` before the handler runs,
 * rather than on `c.res.headers` after it as `secureHeaders()` does: touching a finished response makes
 * @hono/node-server build a full Response and stream its body, which cost the wallet read about a third of its
 * throughput when CORS did it (see the portal benchmark). The hosted page sets its own nonce CSP over these.
 */
const COMMON: [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];

export const secureHeaders: MiddlewareHandler = async (c, next) => {
  if (c.req.path.startsWith('/widget/')) {
    // Static files, loaded by platforms' pages from another origin: set on the finished response, after CORS and
    // the file server wrote theirs (setting them first would be dropped when the file server builds its response).
    await next();
    for (const [name, value] of COMMON) c.res.headers.set(name, value);
    c.res.headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
    return;
  }
  for (const [name, value] of COMMON) c.header(name, value);
  c.header('Cross-Origin-Resource-Policy', 'same-origin');
  // Balances, sessions and keys are never to be kept by a browser or a proxy.
  c.header('Cache-Control', 'no-store');
  await next();
};
