import { createRoute, z } from '@hono/zod-openapi';
import { PortalWallet } from '@credyt/shared';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { createRouter, json } from '../http/router.ts';
import type { PortalEnv } from '../sessions/context.ts';
import { TimeZoneParam } from '../time.ts';
import { loadWallet } from './service.ts';

export function walletRoutes(db: Database, clock: Clock) {
  return createRouter<PortalEnv>().openapi(
    createRoute({
      method: 'get',
      path: '/wallet',
      request: { query: z.object({ tz: TimeZoneParam }) },
      responses: { 200: json(PortalWallet, 'Every wallet account with its balance and this month’s spend') },
    }),
    async (c) => c.json(await loadWallet(db, c.get('portal'), c.req.valid('query').tz, clock.now()), 200),
  );
}
