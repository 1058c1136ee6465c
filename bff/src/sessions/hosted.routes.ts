import { unauthorized } from '../http/problem.ts';
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { createRouter } from '../http/router.ts';
import type { PortalEnv, SessionLookup } from './context.ts';
import { limiterOf, lookupSession } from './portal.routes.ts';
import { sessionEnded } from './service.ts';
import { accountCount } from '../wallet/service.ts';
import { CREDENTIAL_FAILURE_LIMIT } from '../http/rate-limit.ts';

export interface HostedPortalDeps {
  db: Database;
  clock: Clock;
  publicUrl: string;
}

/** The hosted page's own words (the element inside has its own catalogs); a locale without a table gets English. */
const PAGE_TEXT = {
  en: {
    dir: 'ltr',
    title: 'Billing · {name}',
    skip: 'Skip to billing',
    heading: 'Billing',
    back: 'Back to {name}',
    backShort: 'Back',
    signedIn: 'Signed in as',
  },
  es: {
    dir: 'ltr',
    title: 'Facturación · {name}',
    skip: 'Ir a la facturación',
    heading: 'Facturación',
    back: 'Volver a {name}',
    backShort: 'Volver',
    signedIn: 'Sesión iniciada como',
  },
  ar: {
    dir: 'rtl',
    title: 'الفوترة · {name}',
    skip: 'انتقل إلى الفوترة',
    heading: 'الفوترة',
    back: 'العودة إلى {name}',
    backShort: 'رجوع',
    signedIn: 'تم تسجيل الدخول باسم',
  },
} as const;

type PageText = (typeof PAGE_TEXT)[keyof typeof PAGE_TEXT];

interface PageLocale {
  /** The document's `lang`: the session's locale when the page speaks its language, else `en`. */
  lang: string;
  dir: 'ltr' | 'rtl';
  text: PageText;
  /** The session's locale as a well-formed tag, for the element (its number formats follow it); null if none. */
  requested: string | null;
}

/** The page's language and direction from the session's locale (e.g. `es-MX`, `ar`), English otherwise. */
function pageLocale(locale: string | null | undefined): PageLocale {
  let requested: string | null;
  try {
    requested = locale ? (Intl.getCanonicalLocales(locale)[0] ?? null) : null;
  } catch {
    requested = null; // not a BCP 47 tag
  }
  const language = requested ? new Intl.Locale(requested).language : 'en';
  const text = language in PAGE_TEXT ? PAGE_TEXT[language as keyof typeof PAGE_TEXT] : null;
  if (!text) return { lang: 'en', dir: 'ltr', text: PAGE_TEXT.en, requested };
  return { lang: requested!, dir: text.dir, text, requested };
}

const fill = (template: string, name: string) => template.replace('{name}', () => name);

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
  /* The bar's contents line up with the page's column (main's 1120 px and its padding), however wide the window. */
  .bar { display: flex; align-items: center; justify-content: space-between; gap: 16px;
    padding: 12px max(24px, calc((100% - 1120px) / 2 + 24px));
    background: var(--bar-bg); border-top: 4px solid var(--brand); box-shadow: 0 1px 0 rgb(15 23 42 / 0.08); }
  .brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 17px; min-width: 0; }
  .brand img { height: 28px; width: auto; max-width: 140px; object-fit: contain; flex: none; }
  .brand span { min-width: 0; overflow-wrap: anywhere; line-height: 1.25; }
  a { color: inherit; }
  .back { display: inline-flex; align-items: center; gap: 6px; min-height: 32px; font-size: 14px; text-decoration: none;
    padding: 4px 12px; border-radius: 8px; border: 1px solid rgb(100 116 139 / 0.4); white-space: nowrap; flex: none; }
  .back:hover { border-color: var(--brand); }
  .back:focus-visible { outline: 2px solid var(--brand); outline-offset: 2px; }
  .back .short { display: none; }
  main { max-width: 1120px; margin: 0 auto; padding: 24px; }
  .intro { margin: 0 0 20px; }
  h1 { font-size: 26px; line-height: 1.25; font-weight: 650; margin: 0 0 4px; }
  .who { margin: 0; color: var(--muted); font-size: 14px; overflow-wrap: anywhere; }
  .who strong { color: var(--bar-text); font-weight: 600; }
  .sr-only, .skip:not(:focus) { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
    clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
  .skip:focus { position: absolute; inset-inline-start: 16px; top: 8px; background: var(--bar-bg); padding: 8px; z-index: 1; }
  credyt-billing-portal { --credyt-color-primary: var(--brand); }
  @media (prefers-color-scheme: light) { credyt-billing-portal { --credyt-color-surface: #ffffff; } }
  /* The page's own header shows the brand; the element's stays for screen readers (its h2 keeps the heading order). */
  credyt-billing-portal::part(header) { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  credyt-billing-portal::part(portal) { background: transparent; padding: 0; }
  /* Phones: a compact bar, the brand whole and the way back short (its full name stays for screen readers). */
  @media (max-width: 480px) {
    .bar { padding: 10px 12px; gap: 12px; }
    .brand { font-size: 16px; gap: 8px; }
    .brand img { height: 24px; max-width: 96px; }
    .back { padding: 4px 10px; }
    .back .long { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    .back .short { display: inline; }
    main { padding: 16px 12px; }
    .intro { margin-bottom: 16px; }
    h1 { font-size: 22px; }
  }
  .expired { max-width: 480px; margin: 12vh auto; padding: 32px; background: var(--bar-bg); border-radius: 12px;
    box-shadow: 0 1px 3px rgb(15 23 42 / 0.12); text-align: center; }
  .expired h1 { font-size: 22px; margin: 0 0 8px; }
  .expired p { color: var(--muted); margin: 0 0 8px; }
`;

function page(
  c: Context,
  nonce: string,
  brand: string,
  title: string,
  body: HtmlEscapedString | Promise<HtmlEscapedString>,
  locale: Pick<PageLocale, 'lang' | 'dir'> = { lang: 'en', dir: 'ltr' },
) {
  return c.html(
    html`<!doctype html>
      <html lang="${locale.lang}" dir="${locale.dir}">
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

/**
 * The hosted page: the platform's bar (brand, the way back), an h1 with who is signed in, then the element. The
 * page speaks the session's language and direction; the element gets the same locale, so nothing flips on load.
 */
function portalPage(c: Context, found: SessionLookup, publicUrl: string, balances: number) {
  const { branding, default_locale } = found.platform.portalConfig;
  const locale = pageLocale(found.session.locale ?? default_locale);
  const { text } = locale;
  const logo = webUrl(branding.logo_url);
  const back = webUrl(found.session.returnUrl);
  const brand = branding.primary_color && HEX_COLOR.test(branding.primary_color) ? branding.primary_color : DEFAULT_PRIMARY;
  const { name, email } = found.customer;
  const nonce = randomBytes(16).toString('base64');
  securityHeaders(c, nonce, logo?.origin ?? null);
  return page(
    c,
    nonce,
    brand,
    fill(text.title, branding.name),
    html`<a class="skip" href="#portal">${text.skip}</a>
      <header class="bar">
        <div class="brand">
          ${logo ? html`<img src="${logo.href}" alt="" />` : ''}
          <span>${branding.name}</span>
        </div>
        ${
          back
            ? html`<a class="back" href="${back.href}"
                ><span aria-hidden="true">${locale.dir === 'rtl' ? '→' : '←'}</span
                ><span class="long">${fill(text.back, branding.name)}</span
                ><span class="short" aria-hidden="true">${text.backShort}</span></a
              >`
            : ''
        }
      </header>
      <main id="portal">
        <div class="intro">
          <h1>${text.heading}</h1>
          <p class="who">${text.signedIn} <strong>${name}</strong>${email && email !== name ? html` · <span>${email}</span>` : ''}</p>
        </div>
        <credyt-billing-portal
          api-base="${publicUrl}"
          data-wallet-cards="${String(balances + 1)}"
          theme="auto"
          locale="${locale.requested ?? ''}"
        ></credyt-billing-portal>
      </main>
      <script type="module" src="/widget/credyt-billing-portal.js"></script>`,
    locale,
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
      // How many balances the wallet will show: its skeleton has that many cards (plus the month's spend), so
      // nothing moves when they arrive, even on a first visit.
      return portalPage(c, found, publicUrl, await accountCount(db, found.session.platformId, found.session.customerId));
    });
}
