import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import { publish, SESSION_REVOKED_CHANNEL } from '../bus.ts';
import type { RevokedNotice } from './session-cache.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { portalSessions } from '../db/schema/index.ts';
import { notFound } from '../http/problem.ts';
import { LINK_CREATION_LIMIT, type RateLimiter } from '../http/rate-limit.ts';
import { createRouter, json } from '../http/router.ts';
import { newId, newSecret, sha256 } from '../ids.ts';
import { customerOf } from '../customers/service.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';

/** A portal link signs in once, within this long of its creation. */
export const LINK_LIFETIME_MS = 10 * 60 * 1000;

const WebUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const SessionCreate = z.object({
  customer_id: z.string().min(1),
  return_url: WebUrl,
  failure_url: WebUrl,
  locale: z
    .string()
    .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as en or pt-BR')
    .optional(),
});

const SessionOut = z.object({
  id: z.string(),
  customer_id: z.string(),
  redirect_url: z.string(),
  token: z.string(),
  expires_at: z.string(),
});

/** Tells this process at once, and every other through NOTIFY, that sessions were revoked. */
async function announceRevoked(db: Database, notice: RevokedNotice, onRevoked?: (notice: RevokedNotice) => void) {
  onRevoked?.(notice);
  await publish(db, SESSION_REVOKED_CHANNEL, notice);
}

export function sessionRoutes(db: Database, publicUrl: string, clock: Clock, onRevoked?: (notice: RevokedNotice) => void) {
  return createRouter<PlatformEnv>()
    .openapi(
      createRoute({
        method: 'post',
        path: '/billing-portal/sessions',
        request: { body: { content: { 'application/json': { schema: SessionCreate } }, required: true } },
        responses: { 201: json(SessionOut, 'A single-use portal link, valid for 10 minutes') },
      }),
      async (c) => {
        const platform = c.get('platform');
        await (c.get('rateLimiter') as RateLimiter | undefined)?.consume(
          LINK_CREATION_LIMIT,
          platform.id,
          'Too many portal links created; retry later.',
        );
        const body = c.req.valid('json');
        const customer = await customerOf(db, platform.id, body.customer_id, 'customer_id');
        const token = newSecret('bpl');
        const expiresAt = new Date(clock.now().getTime() + LINK_LIFETIME_MS);
        const id = newId('bps');
        await db.insert(portalSessions).values({
          id,
          platformId: platform.id,
          customerId: customer.id,
          linkTokenHash: sha256(token),
          linkExpiresAt: expiresAt,
          returnUrl: body.return_url,
          failureUrl: body.failure_url,
          locale: body.locale ?? null,
        });
        const redirectUrl = `${publicUrl}/portal/sign-in?token=${encodeURIComponent(token)}`;
        return c.json({ id, customer_id: customer.id, redirect_url: redirectUrl, token, expires_at: expiresAt.toISOString() }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/billing-portal/sessions/{id}/revoke',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(z.object({ id: z.string(), revoked_at: z.string() }), 'The session, revoked') },
      }),
      async (c) => {
        const now = clock.now();
        const [row] = await db
          .update(portalSessions)
          .set({ revokedAt: now })
          .where(and(eq(portalSessions.id, c.req.valid('param').id), eq(portalSessions.platformId, c.get('platform').id)))
          .returning();
        if (!row) throw notFound('The session');
        await announceRevoked(db, { s: row.id }, onRevoked);
        return c.json({ id: row.id, revoked_at: (row.revokedAt ?? now).toISOString() }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/customers/{id}/billing-portal/sessions/revoke',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(z.object({ revoked: z.number().int() }), 'How many live sessions were revoked') },
      }),
      async (c) => {
        const customer = await customerOf(db, c.get('platform').id, c.req.valid('param').id);
        const rows = await db
          .update(portalSessions)
          .set({ revokedAt: clock.now() })
          .where(and(eq(portalSessions.customerId, customer.id), isNull(portalSessions.revokedAt)))
          .returning({ id: portalSessions.id });
        await announceRevoked(db, { c: customer.id }, onRevoked);
        return c.json({ revoked: rows.length }, 200);
      },
    );
}
