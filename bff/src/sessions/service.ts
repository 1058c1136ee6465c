// Sessions: a customer's way into the portal, from the single-use link a platform creates, through the access
// session it is exchanged for, to revocation. Owns `portal_sessions`; only digests of their secrets are stored.
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { publish, SESSION_REVOKED_CHANNEL } from '../bus.ts';
import type { Clock } from '../clock.ts';
import { customerOf } from '../customers/service.ts';
import type { Database } from '../db/client.ts';
import { customers, platforms, portalSessions } from '../db/schema/index.ts';
import { notFound } from '../http/problem.ts';
import { constantTimeEqual, newId, newSecret, sha256 } from '../ids.ts';
import type { PlatformRow, PortalSessionInfo, SessionLookup } from './context.ts';
import type { RevokedNotice, SessionCache } from './session-cache.ts';

/** A portal link signs in once, within this long of its creation. */
const LINK_LIFETIME_MS = 10 * 60 * 1000;
/** An access session (hosted cookie or embedded bearer) lives this long after the link is exchanged. */
export const ACCESS_LIFETIME_MS = 60 * 60 * 1000;

const LINK_TOKEN = /^bpl_[A-Za-z0-9_-]{43}$/;
const ACCESS_TOKEN = /^bpa_[A-Za-z0-9_-]{43}$/;

export interface LinkInput {
  customer_id: string;
  return_url: string;
  failure_url: string;
  locale?: string | undefined;
}

/** Creates a single-use link for one of the platform's customers; the token is returned once, never stored. */
export async function createLink(db: Database, clock: Clock, platformId: string, body: LinkInput) {
  const customer = await customerOf(db, platformId, body.customer_id, 'customer_id');
  const token = newSecret('bpl');
  const expiresAt = new Date(clock.now().getTime() + LINK_LIFETIME_MS);
  const id = newId('bps');
  await db.insert(portalSessions).values({
    id,
    platformId,
    customerId: customer.id,
    linkTokenHash: sha256(token),
    linkExpiresAt: expiresAt,
    returnUrl: body.return_url,
    failureUrl: body.failure_url,
    locale: body.locale ?? null,
  });
  return { id, customerId: customer.id, token, expiresAt };
}

/** Tells this process at once, and every other through NOTIFY, that sessions were revoked. */
async function announceRevoked(db: Database, notice: RevokedNotice, onRevoked?: (notice: RevokedNotice) => void) {
  onRevoked?.(notice);
  await publish(db, SESSION_REVOKED_CHANNEL, notice);
}

/** Revokes one of the platform's sessions, whatever its state. */
export async function revokeSession(
  db: Database,
  clock: Clock,
  platformId: string,
  sessionId: string,
  onRevoked?: (notice: RevokedNotice) => void,
): Promise<{ id: string; revokedAt: Date }> {
  const now = clock.now();
  const [row] = await db
    .update(portalSessions)
    .set({ revokedAt: now })
    .where(and(eq(portalSessions.id, sessionId), eq(portalSessions.platformId, platformId)))
    .returning();
  if (!row) throw notFound('The session');
  await announceRevoked(db, { s: row.id }, onRevoked);
  return { id: row.id, revokedAt: row.revokedAt ?? now };
}

/** Revokes every live session of one of the platform's customers; answers how many there were. */
export async function revokeCustomerSessions(
  db: Database,
  clock: Clock,
  platformId: string,
  customerId: string,
  onRevoked?: (notice: RevokedNotice) => void,
): Promise<number> {
  const customer = await customerOf(db, platformId, customerId);
  const rows = await db
    .update(portalSessions)
    .set({ revokedAt: clock.now() })
    .where(and(eq(portalSessions.customerId, customer.id), isNull(portalSessions.revokedAt)))
    .returning({ id: portalSessions.id });
  await announceRevoked(db, { c: customer.id }, onRevoked);
  return rows.length;
}

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

/**
 * The session an access token names, whatever its state (expiry and revocation are judged by the caller), from
 * the cache when it holds it. A malformed token never reaches the database.
 */
export async function sessionByAccessToken(
  db: Database,
  accessToken: string,
  cache: SessionCache | undefined,
): Promise<SessionLookup | null> {
  if (!ACCESS_TOKEN.test(accessToken)) return null;
  const hash = sha256(accessToken);
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

/** The live session as every portal read sees it. */
export function sessionInfo(found: SessionLookup): PortalSessionInfo {
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

/** The platform a link token belongs to, whatever the link's state: the exchange's CORS is judged by it. */
export async function platformOfLinkToken(db: Database, linkToken: string): Promise<PlatformRow | null> {
  const [row] = await db
    .select({ platform: platforms })
    .from(portalSessions)
    .innerJoin(platforms, eq(platforms.id, portalSessions.platformId))
    .where(eq(portalSessions.linkTokenHash, sha256(linkToken)));
  return row?.platform ?? null;
}

/** Does any platform list this origin? A preflight carries no token, so this is all it can be judged by. */
export async function allowedByAnyPlatform(db: Database, origin: string): Promise<boolean> {
  const rows = await db
    .select({ id: platforms.id })
    .from(platforms)
    .where(sql`${platforms.portalConfig} -> 'allowed_origins' @> ${JSON.stringify([origin])}::jsonb`)
    .limit(1);
  return rows.length > 0;
}
