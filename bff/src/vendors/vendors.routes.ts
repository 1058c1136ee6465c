import { createRoute, z } from '@hono/zod-openapi';
import type { Database } from '../db/client.ts';
import { WireAmount } from '../http/amounts-as-numbers.ts';
import { ListOf, PageQuery, presentPage } from '../http/paging.ts';
import { createRouter, json } from '../http/router.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';
import { createVendor, listVendors, vendorOf, vendorStats, type VendorRow } from './service.ts';

const VendorCreate = z.object({ name: z.string().min(1).max(200), external_id: z.string().min(1).max(200) });
const VendorOut = z.object({ id: z.string(), name: z.string(), external_id: z.string(), created_at: z.string() });

const StatsOut = z.object({
  id: z.string(),
  events: z.object({ total: z.number().int(), first_at: z.string().nullable(), last_at: z.string().nullable() }),
  customers: z.number().int(),
  costs: z.array(z.object({ currency: z.string(), amount: WireAmount })),
});

const presentVendor = (v: VendorRow): z.infer<typeof VendorOut> => ({
  id: v.id,
  name: v.name,
  external_id: v.externalId,
  created_at: v.createdAt.toISOString(),
});

export function vendorRoutes(db: Database) {
  return createRouter<PlatformEnv>()
    .openapi(
      createRoute({
        method: 'post',
        path: '/vendors',
        request: { body: { content: { 'application/json': { schema: VendorCreate } }, required: true } },
        responses: { 201: json(VendorOut, 'The vendor') },
      }),
      async (c) => c.json(presentVendor(await createVendor(db, c.get('platform').id, c.req.valid('json'))), 201),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/vendors',
        request: { query: PageQuery.extend({ external_id: z.string().min(1).optional() }) },
        responses: { 200: json(ListOf(VendorOut), 'Vendors, oldest first; `external_id` narrows to one') },
      }),
      async (c) => {
        const query = c.req.valid('query');
        return c.json(presentPage(await listVendors(db, c.get('platform').id, query), query, presentVendor), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/vendors/{id}',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(VendorOut, 'The vendor') },
      }),
      async (c) => c.json(presentVendor(await vendorOf(db, c.get('platform').id, c.req.valid('param').id)), 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/vendors/{id}/stats',
        request: { params: z.object({ id: z.string() }) },
        responses: {
          200: json(StatsOut, 'What the platform paid the vendor: the events whose `costs` name it, and their sum per currency'),
        },
      }),
      async (c) => {
        const stats = await vendorStats(db, c.get('platform').id, c.req.valid('param').id);
        const at = (d: Date | null) => d?.toISOString() ?? null;
        return c.json(
          { ...stats, events: { ...stats.events, first_at: at(stats.events.first_at), last_at: at(stats.events.last_at) } },
          200,
        );
      },
    );
}
