import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, json } from '../http/router.ts';
import type { PlatformEnv } from './api-key.ts';

const AccountOut = z.object({ id: z.string(), name: z.string(), currency: z.string(), created_at: z.string() });

/** `GET /accounts/self`: the account the API key belongs to, as Credyt's collection reads it ("Get account context"). */
export function accountRoutes() {
  return createRouter<PlatformEnv>().openapi(
    createRoute({ method: 'get', path: '/accounts/self', responses: { 200: json(AccountOut, 'The account this API key acts for') } }),
    (c) => {
      const platform = c.get('platform');
      return c.json(
        { id: platform.id, name: platform.name, currency: platform.currency, created_at: platform.createdAt.toISOString() },
        200,
      );
    },
  );
}
