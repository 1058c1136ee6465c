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
  for (const [name, value] of COMMON) c.header(name, value);
  if (c.req.path.startsWith('/widget/')) {
    // Platforms' pages load the bundle from another origin.
    c.header('Cross-Origin-Resource-Policy', 'cross-origin');
  } else {
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    // Balances, sessions and keys are never to be kept by a browser or a proxy.
    c.header('Cache-Control', 'no-store');
  }
  await next();
};
