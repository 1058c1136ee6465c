import { createRoute, z } from '@hono/zod-openapi';
import type { Database } from '../db/client.ts';
import { ListOf, PageQuery, presentPage } from '../http/paging.ts';
import { createRouter, json } from '../http/router.ts';
import type { PlatformEnv } from './api-key.ts';
import { connectedAccountOf, createConnectedAccount, listConnectedAccounts, type ConnectedAccountRow } from './connected-accounts.ts';

const SelfOut = z.object({ id: z.string(), name: z.string(), currency: z.string(), created_at: z.string() });

const AccountCreate = z.object({
  name: z.string().min(1).max(200),
  external_id: z.string().min(1).max(200).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
const AccountOut = z.object({
  id: z.string(),
  name: z.string(),
  external_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});

const presentAccount = (a: ConnectedAccountRow): z.infer<typeof AccountOut> => ({
  id: a.id,
  name: a.name,
  external_id: a.externalId,
  metadata: a.metadata,
  created_at: a.createdAt.toISOString(),
});

/** The platform the API key acts for, as `GET /accounts/self` answers it. */
const selfOf = (platform: PlatformEnv['Variables']['platform']): z.infer<typeof SelfOut> => ({
  id: platform.id,
  name: platform.name,
  currency: platform.currency,
  created_at: platform.createdAt.toISOString(),
});

/** Documented on its own; served by `/accounts/{id}` (see below). */
const selfRoute = createRoute({
  method: 'get',
  path: '/accounts/self',
  responses: { 200: json(SelfOut, 'The account this API key acts for') },
});

/**
 * `GET /accounts/self`, the account the API key acts for ("Get account context" in Credyt's collection), and the
 * connected accounts it provisions (`/accounts`, Credyt for Platforms).
 */
export function accountRoutes(db: Database) {
  const router = createRouter<PlatformEnv>();
  const routes = router
    .openapi(
      createRoute({
        method: 'post',
        path: '/accounts',
        request: { body: { content: { 'application/json': { schema: AccountCreate } }, required: true } },
        responses: { 201: json(AccountOut, 'The connected account') },
      }),
      async (c) => c.json(presentAccount(await createConnectedAccount(db, c.get('platform').id, c.req.valid('json'))), 201),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/accounts',
        request: { query: PageQuery.extend({ external_id: z.string().min(1).optional() }) },
        responses: { 200: json(ListOf(AccountOut), 'Connected accounts, oldest first; `external_id` narrows to one') },
      }),
      async (c) => {
        const query = c.req.valid('query');
        return c.json(presentPage(await listConnectedAccounts(db, c.get('platform').id, query), query, presentAccount), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/accounts/{id}',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(AccountOut.or(SelfOut), 'The connected account') },
      }),
      // `self` is answered here rather than by a route of its own: a static and a parameter segment side by side
      // (`/accounts/self`, `/accounts/:id`) make Hono fall back from its RegExpRouter to the slower TrieRouter for
      // the whole app (about 2% of a wallet read's CPU).
      async (c) => {
        const { id } = c.req.valid('param');
        if (id === 'self') return c.json(selfOf(c.get('platform')), 200);
        return c.json(presentAccount(await connectedAccountOf(db, c.get('platform').id, id)), 200);
      },
    );
  router.openAPIRegistry.registerPath(selfRoute);
  return routes;
}
