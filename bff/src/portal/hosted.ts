import { unauthorized } from '../http/problem.ts';
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { createRouter } from '../http/router.ts';
import type { PortalEnv, SessionLookup } from './context.ts';
import { limiterOf, lookupSession, sessionEnded } from './session.ts';
import { CREDENTIAL_FAILURE_LIMIT } from '../http/rate-limit.ts';

export interface HostedPortalDeps {
  db: Database;
  clock: Clock;
  publicUrl: string;
}

const HEX_COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const DEFAULT_PRIMARY = '#4f46e5';

/** An http(s) URL as written, or null: nothing else (`javascript:`, `data:`) ever becomes a link or an image. */
function webUrl(value: string | null | undefined): URL | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

/**
 * Scripts only from this origin, styles only from this origin or the page's own nonce'd block, images also from the
 * platform's logo origin; the page is never framed and never leaks its URL in a Referer.
 */
function securityHeaders(c: Context, nonce: string, imageOrigin: string | null) {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    `img-src 'self' data:${imageOrigin ? ` ${imageOrigin}` : ''}`,
    "connect-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  c.header('Content-Security-Policy', csp);
  c.header('X-Frame-Options', 'DENY');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
  c.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  c.header('Cache-Control', 'no-store');
}

const BASE_STYLES = `
  :root { color-scheme: light dark; --bar-bg: #ffffff; --bar-text: #0f172a; --page-bg: #f1f5f9; --muted: #475569; }
  @media (prefers-color-scheme: dark) { :root { --bar-bg: #0f172a; --bar-text: #f1f5f9; --page-bg: #020617; --muted: #cbd5e1; } }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; background: var(--page-bg); color: var(--bar-text);
    font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
  .bar { display: flex; align-items: center; justify-content: space-between; gap: 16px; padding: 12px 24px;
    background: var(--bar-bg); border-top: 4px solid var(--brand); box-shadow: 0 1px 0 rgb(15 23 42 / 0.08); }
  .brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 17px; min-width: 0; }
  .brand img { height: 28px; width: auto; max-width: 140px; object-fit: contain; }
  .brand span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  a { color: inherit; }
  .back { font-size: 14px; text-decoration: none; padding: 6px 12px; border-radius: 8px; border: 1px solid rgb(100 116 139 / 0.4); white-space: nowrap; }
  .back:hover { border-color: var(--brand); }
  .back:focus-visible { outline: 2px solid var(--brand); outline-offset: 2px; }
  main { max-width: 1120px; margin: 0 auto; padding: 24px; }
  .skip { position: absolute; left: -9999px; }
  .skip:focus { left: 24px; top: 8px; background: var(--bar-bg); padding: 8px; z-index: 1; }
  credyt-billing-portal { --credyt-color-primary: var(--brand); }
  credyt-billing-portal::part(header) { display: none; }
  .expired { max-width: 480px; margin: 12vh auto; padding: 32px; background: var(--bar-bg); border-radius: 12px;
    box-shadow: 0 1px 3px rgb(15 23 42 / 0.12); text-align: center; }
  .expired h1 { font-size: 22px; margin: 0 0 8px; }
  .expired p { color: var(--muted); margin: 0 0 8px; }
`;

function page(c: Context, nonce: string, brand: string, title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) {
  return c.html(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <link rel="icon" href="data:," />
          <title>${title}</title>
          <style nonce="${nonce}">
            :root { --brand: ${brand}; }
            ${raw(BASE_STYLES)}
          </style>
        </head>
        <body>
          ${body}
        </body>
      </html>`,
  );
}

function noticePage(c: Context, status: 401 | 429, title: string, lines: string[]) {
  const nonce = randomBytes(16).toString('base64');
  securityHeaders(c, nonce, null);
  c.status(status);
  return page(
    c,
    nonce,
    DEFAULT_PRIMARY,
    title,
    html`<main>
      <section class="expired" aria-labelledby="expired-title">
        <h1 id="expired-title">${title}</h1>
        ${lines.map((line) => html`<p>${line}</p>`)}
      </section>
    </main>`,
  );
}

const expiredPage = (c: Context) =>
  noticePage(c, 401, 'This billing link has expired', [
    'For your security, billing portal links work once and only for a short time.',
    'Go back to the app you came from and open billing again to get a fresh link.',
  ]);

/** An address past its failed-credential limit: the page says when to retry, and the status says 429. */
function tooManyPage(c: Context, retryAfter: number) {
  c.header('retry-after', String(retryAfter));
  const minutes = Math.max(1, Math.ceil(retryAfter / 60));
  return noticePage(c, 429, 'Too many attempts', [
    'This address has made too many attempts with links that did not work.',
    `Wait ${minutes === 1 ? 'a minute' : `${minutes} minutes`}, then open billing again from the app you came from.`,
  ]);
}

function portalPage(c: Context, found: SessionLookup, publicUrl: string) {
  const { branding } = found.platform.portalConfig;
  const logo = webUrl(branding.logo_url);
  const back = webUrl(found.session.returnUrl);
  const brand = branding.primary_color && HEX_COLOR.test(branding.primary_color) ? branding.primary_color : DEFAULT_PRIMARY;
  const nonce = randomBytes(16).toString('base64');
  securityHeaders(c, nonce, logo?.origin ?? null);
  return page(
    c,
    nonce,
    brand,
    `Billing · ${branding.name}`,
    html`<a class="skip" href="#portal">Skip to billing</a>
      <header class="bar">
        <div class="brand">
          ${logo ? html`<img src="${logo.href}" alt="" />` : ''}
          <span>${branding.name}</span>
        </div>
        ${back ? html`<a class="back" href="${back.href}">← Back to ${branding.name}</a>` : ''}
      </header>
      <main id="portal">
        <credyt-billing-portal api-base="${publicUrl}" theme="auto"></credyt-billing-portal>
      </main>
      <script type="module" src="/widget/credyt-billing-portal.js"></script>`,
  );
}

/**
 * `GET /portal/`: the hosted portal, reached through a session's `redirect_url` (sign-in sets the cookie, then
 * redirects here). The element runs in cookie mode; branding and the way back are read server-side from the
 * session, and every platform string goes through `html`, which escapes it.
 */
export function hostedPortalRoutes({ db, clock, publicUrl }: HostedPortalDeps) {
  return createRouter<PortalEnv>()
    .get('/portal', (c) => c.redirect('/portal/', 301))
    .get('/portal/', async (c) => {
      const accept = c.req.header('accept') ?? '';
      const wantsJson = !accept.includes('text/html') && /json/.test(accept);
      const limiter = limiterOf(c);
      const blocked = limiter ? limiter.blockedFor(CREDENTIAL_FAILURE_LIMIT, limiter.clientIp(c)) : 0;
      if (blocked > 0) {
        if (wantsJson) limiter!.checkFailures(c); // throws the 429 problem
        return tooManyPage(c, blocked);
      }
      const found = await lookupSession(db, c);
      if (!found || sessionEnded(found.session, clock.now())) {
        // A browser gets the page; a script that asked for JSON gets the problem.
        if (wantsJson) throw unauthorized('The billing link has expired or was signed out.');
        return expiredPage(c);
      }
      return portalPage(c, found, publicUrl);
    });
}
