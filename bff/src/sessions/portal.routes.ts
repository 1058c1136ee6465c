import { and, eq, gt, isNull } from 'drizzle-orm';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { SessionExchange, toDecimalString, type AccessToken, type PortalSession, type SessionExchanged } from '@credyt/shared';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { customers, platforms, portalSessions } from '../db/schema/index.ts';
import { ProblemError, unauthorized } from '../http/problem.ts';
import { createRouter } from '../http/router.ts';
import { CREDENTIAL_FAILURE_LIMIT, LINK_EXCHANGE_LIMIT, type RateLimiter } from '../http/rate-limit.ts';
import { constantTimeEqual, newSecret, sha256 } from '../ids.ts';
import type { SessionCache } from './session-cache.ts';
import type { PortalEnv, PortalSessionInfo, SessionLookup } from './context.ts';
import { validJson } from '../http/validate.ts';
import { loadWallet } from '../wallet/service.ts';

/** An access session (hosted cookie or embedded bearer) lives this long after the link is exchanged. */
export const ACCESS_LIFETIME_MS = 60 * 60 * 1000;
/** The hosted portal's cookie; scoped to `/portal`, HttpOnly, SameSite=Lax, Secure when served over https. */
export const SESSION_COOKIE = 'credyt_portal';

const LINK_TOKEN = /^bpl_[A-Za-z0-9_-]{43}$/;
const ACCESS_TOKEN = /^bpa_[A-Za-z0-9_-]{43}$/;

export type LinkFailure = 'link_used' | 'link_expired' | 'link_revoked' | 'link_unknown';

type Redeemed = { ok: true; accessToken: string; expiresAt: Date } | { ok: false; reason: LinkFailure; failureUrl: string | null };

/**
 * Exchanges a single-use link for an access session. One conditional UPDATE marks the link used, so of two
 * concurrent exchanges exactly one wins; only the access token's digest is stored.
 */
export async function redeemLink(db: Database, clock: Clock, linkToken: string): Promise<Redeemed> {
  if (!LINK_TOKEN.test(linkToken)) return { ok: false, reason: 'link_unknown', failureUrl: null };
  const linkHash = sha256(linkToken);
  const now = clock.now();
  const accessToken = newSecret('bpa');
  const expiresAt = new Date(now.getTime() + ACCESS_LIFETIME_MS);
  const [won] = await db
    .update(portalSessions)
    .set({ linkUsedAt: now, accessTokenHash: sha256(accessToken), accessExpiresAt: expiresAt })
    .where(
      and(
        eq(portalSessions.linkTokenHash, linkHash),
        isNull(portalSessions.linkUsedAt),
        isNull(portalSessions.revokedAt),
        gt(portalSessions.linkExpiresAt, now),
      ),
    )
    .returning({ id: portalSessions.id, linkTokenHash: portalSessions.linkTokenHash });
  if (won && constantTimeEqual(won.linkTokenHash, linkHash)) return { ok: true, accessToken, expiresAt };

  const [row] = await db.select().from(portalSessions).where(eq(portalSessions.linkTokenHash, linkHash));
  if (!row || !constantTimeEqual(row.linkTokenHash, linkHash)) return { ok: false, reason: 'link_unknown', failureUrl: null };
  const reason: LinkFailure = row.revokedAt ? 'link_revoked' : row.linkUsedAt ? 'link_used' : 'link_expired';
  return { ok: false, reason, failureUrl: row.failureUrl };
}

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
  const lookup =
    token && blocked === 0 && ACCESS_TOKEN.test(token)
      ? findByAccessToken(db, sha256(token), c.get('sessionCache'))
      : Promise.resolve(null);
  c.set('portalLookup', lookup);
  return lookup;
}

async function findByAccessToken(db: Database, hash: string, cache: SessionCache | undefined): Promise<SessionLookup | null> {
  const cached = cache?.get(hash);
  if (cached) return cached;
  const [row] = await db
    .select({
      session: portalSessions,
      platform: platforms,
      customer: { id: customers.id, name: customers.name, email: customers.email },
    })
    .from(portalSessions)
    .innerJoin(platforms, eq(platforms.id, portalSessions.platformId))
    .innerJoin(customers, and(eq(customers.id, portalSessions.customerId), eq(customers.platformId, portalSessions.platformId)))
    .where(eq(portalSessions.accessTokenHash, hash));
  if (!row?.session.accessTokenHash || !constantTimeEqual(row.session.accessTokenHash, hash)) return null;
  cache?.set(hash, row);
  return row;
}

/** Why a session found by its token can no longer be used, or null while it is live. */
export function sessionEnded(session: SessionLookup['session'], now: Date): 'revoked' | 'expired' | null {
  if (session.revokedAt) return 'revoked';
  if (!session.accessExpiresAt || session.accessExpiresAt.getTime() <= now.getTime()) return 'expired';
  return null;
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

function sessionInfo(found: SessionLookup): PortalSessionInfo {
  return {
    sessionId: found.session.id,
    platform: found.platform,
    customer: found.customer,
    customerId: found.session.customerId,
    returnUrl: found.session.returnUrl,
    locale: found.session.locale,
    expiresAt: found.session.accessExpiresAt!,
  };
}

export function presentSession(s: PortalSessionInfo): PortalSession {
  const config = s.platform.portalConfig;
  return {
    customer: { id: s.customer.id, name: s.customer.name, email: s.customer.email },
    platform: { name: config.branding.name, branding: config.branding, urls: config.urls },
    return_url: s.returnUrl,
    features: config.features,
    locale: s.locale ?? config.default_locale,
    currency: s.platform.currency,
    expires_at: s.expiresAt.toISOString(),
    top_up_limits: {
      currency: s.platform.currency,
      minimum: toDecimalString(s.platform.topUpMinimum),
      maximum: toDecimalString(s.platform.topUpMaximum),
    },
  };
}

/** `GET /sign-in?token=`: the hosted flow. The link is exchanged once for a cookie, then the portal page. */
export function signInRoutes(db: Database, clock: Clock, publicUrl: string) {
  const secure = publicUrl.startsWith('https:');
  return createRouter<PortalEnv>().get('/sign-in', async (c) => {
    // The link token rides in this URL: keep it out of caches and of the Referer of the next page.
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    await limitExchange(c);
    const result = await redeemLink(db, clock, c.req.query('token') ?? '');
    if (!result.ok) {
      if (!result.failureUrl) throw linkProblem(result.reason, 400);
      const failure = new URL(result.failureUrl);
      failure.searchParams.set('reason', result.reason);
      return c.redirect(failure.href, 303);
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
  });
}

/** `POST /api/session {token}`: the embedded flow, a link token for a bearer access token. */
export function exchangeRoutes(db: Database, clock: Clock) {
  return createRouter<PortalEnv>().post('/api/session', validJson(SessionExchange), async (c) => {
    c.header('Cache-Control', 'no-store');
    await limitExchange(c);
    const result = await redeemLink(db, clock, c.req.valid('json').token);
    if (!result.ok) throw linkProblem(result.reason, 401);
    const body: AccessToken = { access_token: result.accessToken, expires_at: result.expiresAt.toISOString() };
    // The session and wallet ride along: the element paints its first balances from this one answer.
    const found = await findByAccessToken(db, sha256(result.accessToken), undefined);
    if (!found) return c.json(body, 201);
    const info = sessionInfo(found);
    const exchanged: SessionExchanged = { ...body, session: presentSession(info), wallet: await loadWallet(db, info, 'UTC', clock.now()) };
    return c.json(exchanged, 201);
  });
}

/** `GET /api/session` (behind `requirePortalSession`). */
export function sessionRoutes() {
  return createRouter<PortalEnv>().get('/session', (c) => c.json(presentSession(c.get('portal'))));
}
