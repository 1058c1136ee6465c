import { createRoute, z } from '@hono/zod-openapi';
import type { RevokedNotice } from './session-cache.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { LINK_CREATION_LIMIT, type RateLimiter } from '../http/rate-limit.ts';
import { createRouter, json } from '../http/router.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';
import { createLink, revokeCustomerSessions, revokeSession } from './service.ts';

const WebUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const SessionCreate = z.object({
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
        const link = await createLink(db, clock, platform.id, c.req.valid('json'));
        const redirectUrl = `${publicUrl}/portal/sign-in?token=${encodeURIComponent(link.token)}`;
        return c.json(
          {
            id: link.id,
            customer_id: link.customerId,
            redirect_url: redirectUrl,
            token: link.token,
            expires_at: link.expiresAt.toISOString(),
          },
          201,
        );
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
        const revoked = await revokeSession(db, clock, c.get('platform').id, c.req.valid('param').id, onRevoked);
        return c.json({ id: revoked.id, revoked_at: revoked.revokedAt.toISOString() }, 200);
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
        const revoked = await revokeCustomerSessions(db, clock, c.get('platform').id, c.req.valid('param').id, onRevoked);
        return c.json({ revoked }, 200);
      },
    );
}
