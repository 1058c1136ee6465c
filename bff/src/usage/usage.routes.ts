import { createRoute } from '@hono/zod-openapi';
import { UsagePage, UsageQuery } from '@credyt/shared';
import { AssetRegistry } from '../catalog/registry.ts';
import type { Database } from '../db/client.ts';
import { decodeEventCursor, encodeEventCursor } from '../http/cursor.ts';
import { invalid } from '../http/problem.ts';
import { createRouter, json } from '../http/router.ts';
import type { PortalEnv } from '../sessions/context.ts';
import { TimeZoneParam } from '../time.ts';
import { presentEvent } from './presenters.ts';
import { countEvents, eventPage } from './service.ts';

const Query = UsageQuery.extend({ tz: TimeZoneParam });

const usageRoute = createRoute({
  method: 'get',
  path: '/usage',
  request: { query: Query },
  responses: { 200: json(UsagePage, 'The usage events, newest first, a page at a time') },
});

export function usageRoutes(db: Database) {
  return createRouter<PortalEnv>().openapi(usageRoute, async (c) => {
    const { customerId, platform } = c.get('portal');
    const query = c.req.valid('query');
    if (query.from && query.to && query.from > query.to) throw invalid([{ path: 'from', message: 'must not be after to' }]);
    const after = query.cursor ? decodeEventCursor(query.cursor) : null;
    const [page, registry, total] = await Promise.all([
      eventPage(db, customerId, query, after, query.limit),
      AssetRegistry.load(db, platform.id),
      query.total ? countEvents(db, customerId, query) : undefined,
    ]);
    const last = page.events[page.events.length - 1]?.[0];
    const body: UsagePage = {
      items: page.events.map((rows) => presentEvent(rows, registry)),
      next_cursor: page.more && last ? encodeEventCursor({ at: last.at, key: last.key }) : null,
      ...(total ? { total } : {}),
    };
    return c.json(body, 200);
  });
}
