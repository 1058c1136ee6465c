import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { AccessToken, PortalSession, SessionExchange, SessionExchanged } from '@credyt/shared';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { ProblemError, unauthorized } from '../http/problem.ts';
import { createRouter, json } from '../http/router.ts';
import { withQuery } from '../http/url.ts';
import { CREDENTIAL_FAILURE_LIMIT, LINK_EXCHANGE_LIMIT, type RateLimiter } from '../http/rate-limit.ts';
import type { PortalEnv, PortalSessionInfo, SessionLookup } from './context.ts';
import { ACCESS_LIFETIME_MS, redeemLink, sessionByAccessToken, sessionEnded, sessionInfo, type LinkFailure } from './service.ts';
import { loadWallet } from '../wallet/service.ts';
import { topUpLimits } from '../configuration/service.ts';

/** The hosted portal's cookie; scoped to `/portal`, HttpOnly, SameSite=Lax, Secure when served over https. */
export const SESSION_COOKIE = 'credyt_portal';

const LINK_DETAIL: Record<LinkFailure, string> = {
  link_used: 'This portal link was already used. Ask for a new one.',
  link_expired: 'This portal link has expired. Ask for a new one.',
  link_revoked: 'This portal session was revoked.',
  link_unknown: 'This is not a valid portal link.',
};

const linkProblem = (reason: LinkFailure, status: 400 | 401) =>
  new ProblemError(status, LINK_DETAIL[reason], undefined, `urn:credyt:problem:${reason.replace('_', '-')}`);

/** The access token of a request: `Authorization: Bearer …` (embedded) or the hosted cookie. */
function accessTokenOf(c: Parameters<MiddlewareHandler>[0]): string | null {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? '';
  }
  return getCookie(c, SESSION_COOKIE) ?? null;
}

export const limiterOf = (c: Parameters<MiddlewareHandler>[0]) => c.get('rateLimiter') as RateLimiter | undefined;

/** Link exchanges per client IP (`LINK_EXCHANGE_LIMIT`): one counter hit per exchange, 429 past it. */
async function limitExchange(c: Parameters<MiddlewareHandler>[0]): Promise<void> {
  const limiter = limiterOf(c);
  await limiter?.consume(LINK_EXCHANGE_LIMIT, limiter.clientIp(c), 'Too many portal sign-ins from this address. Retry later.');
}

/**
 * Finds the session an access token names, whatever its state, once per request (the CORS check and the
 * session middleware share it). Malformed tokens never reach the database.
 */
export function lookupSession(db: Database, c: Parameters<MiddlewareHandler<PortalEnv>>[0]): Promise<SessionLookup | null> {
  const memo = c.get('portalLookup');
  if (memo) return memo;
  const token = accessTokenOf(c);
  // An address past its failed-credential limit gets no lookup (no query); `requirePortalSession` answers 429.
  const limiter = limiterOf(c);
  const blocked = limiter ? limiter.blockedFor(CREDENTIAL_FAILURE_LIMIT, limiter.clientIp(c)) : 0;
  const lookup = token && blocked === 0 ? sessionByAccessToken(db, token, c.get('sessionCache')) : Promise.resolve(null);
  c.set('portalLookup', lookup);
  return lookup;
}

/** Admits a request with a live access session and puts it on the context; anything else is a 401 problem. */
export function requirePortalSession(db: Database, clock: Clock): MiddlewareHandler<PortalEnv> {
  return async function requirePortalSession(c, next) {
    const token = accessTokenOf(c);
    if (token === null) throw unauthorized('Sign in first: send the access token as "Authorization: Bearer <token>".');
    // Only failures are counted (one query each); a live session pays nothing for the limit.
    const limiter = limiterOf(c);
    limiter?.checkFailures(c);
    const found = await lookupSession(db, c);
    const ended = found ? sessionEnded(found.session, clock.now()) : null;
    if (!found || ended) await limiter?.failed(c);
    if (!found) throw unauthorized('The access token is not valid.');
    if (ended === 'revoked') throw unauthorized('The portal session was revoked.');
    if (ended === 'expired') throw unauthorized('The portal session has expired. Open the portal again.');
    c.set('portal', sessionInfo(found));
    c.header('Cache-Control', 'no-store');
    await next();
  };
}

function presentSession(s: PortalSessionInfo): PortalSession {
  const config = s.platform.portalConfig;
  return {
    customer: { id: s.customer.id, name: s.customer.name, email: s.customer.email },
    platform: { name: config.branding.name, branding: config.branding, urls: config.urls },
    return_url: s.returnUrl,
    features: config.features,
    locale: s.locale ?? config.default_locale,
    currency: s.platform.currency,
    expires_at: s.expiresAt.toISOString(),
    top_up_limits: topUpLimits(s.platform),
  };
}

/** A query parameter given more than once counts once: its first value, as `c.req.query(name)` reads it. */
const FirstValue = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string());

/** `GET /sign-in?token=`: the hosted flow. The link is exchanged once for a cookie, then the portal page. */
export function signInRoutes(db: Database, clock: Clock, publicUrl: string) {
  const secure = publicUrl.startsWith('https:');
  return createRouter<PortalEnv>().openapi(
    createRoute({
      method: 'get',
      path: '/sign-in',
      request: { query: z.object({ token: FirstValue.optional() }) },
      responses: {
        303: {
          description:
            'Signed in: the session cookie is set and the browser goes to /portal/. A used, expired or revoked link goes to its failure_url with ?reason=',
        },
      },
    }),
    async (c) => {
      // The link token rides in this URL: keep it out of caches and of the Referer of the next page.
      c.header('Cache-Control', 'no-store');
      c.header('Referrer-Policy', 'no-referrer');
      await limitExchange(c);
      const result = await redeemLink(db, clock, c.req.valid('query').token ?? '');
      if (!result.ok) {
        if (!result.failureUrl) throw linkProblem(result.reason, 400);
        return c.redirect(withQuery(result.failureUrl, { reason: result.reason }), 303);
      }
      setCookie(c, SESSION_COOKIE, result.accessToken, {
        path: '/portal',
        httpOnly: true,
        sameSite: 'Lax',
        secure,
        expires: result.expiresAt,
        maxAge: Math.floor(ACCESS_LIFETIME_MS / 1000),
      });
      return c.redirect('/portal/', 303);
    },
  );
}

/** `POST /api/session {token}`: the embedded flow, a link token for a bearer access token. */
export function exchangeRoutes(db: Database, clock: Clock) {
  return createRouter<PortalEnv>().openapi(
    createRoute({
      method: 'post',
      path: '/api/session',
      // Also sent as text/plain (json-body.ts reads it as JSON): see the element's exchange.
      request: { body: { content: { 'application/json': { schema: SessionExchange } }, required: true } },
      responses: {
        201: json(SessionExchanged.or(AccessToken), 'The access token, with the session and wallet it opens'),
      },
    }),
    async (c) => {
      c.header('Cache-Control', 'no-store');
      await limitExchange(c);
      const result = await redeemLink(db, clock, c.req.valid('json').token);
      if (!result.ok) throw linkProblem(result.reason, 401);
      const body: AccessToken = { access_token: result.accessToken, expires_at: result.expiresAt.toISOString() };
      // The session and wallet ride along: the element paints its first balances from this one answer.
      const found = await sessionByAccessToken(db, result.accessToken, undefined);
      if (!found) return c.json(body, 201);
      const info = sessionInfo(found);
      const exchanged: SessionExchanged = {
        ...body,
        session: presentSession(info),
        wallet: await loadWallet(db, info, 'UTC', clock.now()),
      };
      return c.json(exchanged, 201);
    },
  );
}

/** `GET /api/session` (behind `requirePortalSession`). */
export function sessionRoutes() {
  return createRouter<PortalEnv>().openapi(
    createRoute({ method: 'get', path: '/session', responses: { 200: json(PortalSession, 'The signed-in session') } }),
    (c) => c.json(presentSession(c.get('portal')), 200),
  );
}
