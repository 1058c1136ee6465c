import { createRoute, z } from '@hono/zod-openapi';
import { PortalWallet } from '@credyt/shared';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { fromZodError, invalid } from '../http/problem.ts';
import { createRouter, json } from '../http/router.ts';
import type { PortalEnv } from '../sessions/context.ts';
import { TimeZoneParam } from '../time.ts';
import { loadWallet } from './service.ts';

const WalletQuery = z.object({ tz: TimeZoneParam });

const walletRoute = createRoute({
  method: 'get',
  path: '/wallet',
  request: { query: WalletQuery },
  responses: { 200: json(PortalWallet, 'Every wallet account with its balance and this month’s spend') },
});

/**
 * The hottest read: described in `/openapi.json` like every route, but its query is checked synchronously here rather
 * than by @hono/zod-openapi's validator, whose async parse and hook cost about 7% of the read's instructions
 * (`pnpm bench cpu`, README). Bad input answers the same 422 naming the field.
 */
export function walletRoutes(db: Database, clock: Clock) {
  const router = createRouter<PortalEnv>();
  router.openAPIRegistry.registerPath(walletRoute);
  return router.get('/wallet', async (c) => {
    const query = WalletQuery.safeParse(c.req.query());
    if (!query.success) throw invalid(fromZodError(query.error));
    return c.json(await loadWallet(db, c.get('portal'), query.data.tz, clock.now()), 200);
  });
}
