import { isIP } from 'node:net';
import { createRoute, z } from '@hono/zod-openapi';
import type { Database } from '../db/client.ts';
import { ListOf, PageQuery, presentPage } from '../http/paging.ts';
import { createRouter, json } from '../http/router.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';
import {
  ALL_TOPICS,
  checkTopics,
  createDestination,
  deleteDestination,
  destinationOf,
  listDeliveries,
  listDestinations,
  redeliver,
  updateDestination,
  WEBHOOK_TOPICS,
  type DestinationRow,
} from './service.ts';

export interface WebhookRouteOptions {
  /** Accept `http:` and loopback or private hosts (the demo and tests deliver to localhost); never in production. */
  allowInsecureUrls: boolean;
}

/** Private, loopback and link-local literals: a destination there would make this service probe its own network. */
function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.internal') || h.endsWith('.local')) return true;
  const kind = isIP(h);
  if (kind === 4) {
    const [a, b] = h.split('.').map(Number) as [number, number];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (kind === 6)
    return h === '::' || h === '::1' || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80') || h.startsWith('::ffff:');
  return false;
}

function destinationUrl(options: WebhookRouteOptions) {
  return z
    .url()
    .max(2048)
    .superRefine((value, ctx) => {
      if (!URL.canParse(value)) return; // z.url() has said so
      const url = new URL(value);
      if (url.protocol !== 'https:' && !(options.allowInsecureUrls && url.protocol === 'http:'))
        ctx.addIssue({ code: 'custom', message: 'must be an https URL' });
      else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
      else if (!options.allowInsecureUrls && isPrivateHost(url.hostname))
        ctx.addIssue({ code: 'custom', message: 'must be a public host (not loopback, private or link-local)' });
    });
}

const Topics = z
  .array(z.string().min(1).max(100))
  .min(1)
  .max(WEBHOOK_TOPICS.length + 1);

const DestinationOut = z.object({
  id: z.string(),
  url: z.string(),
  topics: z.array(z.string()),
  connect: z.boolean(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
/** Credyt answers the secret at creation and from `GET /webhooks/{id}`; lists leave it out. */
const DestinationWithSecret = DestinationOut.extend({ secret: z.string() });

const DeliveryStatusQuery = z.enum(['pending', 'sending', 'succeeded', 'failed', 'cancelled', 'paused']);
const DeliveryOut = z.object({
  event_id: z.string(),
  type: z.string(),
  status: DeliveryStatusQuery,
  attempts: z.number().int(),
  next_attempt_at: z.string().nullable(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
  log: z.array(
    z.object({
      attempt: z.number().int(),
      started_at: z.string(),
      duration_ms: z.number().int(),
      status_code: z.number().int().nullable(),
      error: z.string().nullable(),
    }),
  ),
});

const present = (d: DestinationRow): z.infer<typeof DestinationOut> => ({
  id: d.id,
  url: d.url,
  topics: d.topics,
  connect: d.connect,
  description: d.description,
  enabled: d.enabled,
  created_at: d.createdAt.toISOString(),
  updated_at: d.updatedAt.toISOString(),
});
const withSecret = (d: DestinationRow) => ({ ...present(d), secret: d.secret });

const Id = z.object({ id: z.string() });

/** Webhook destinations and their delivery logs (https://docs.dev.credyt.ai/features/webhooks). */
export function webhookRoutes(db: Database, options: WebhookRouteOptions) {
  const url = destinationUrl(options);
  return createRouter<PlatformEnv>()
    .openapi(
      createRoute({
        method: 'post',
        path: '/webhooks',
        request: {
          body: {
            content: {
              'application/json': {
                schema: z.object({
                  url,
                  topics: Topics.default([ALL_TOPICS]),
                  connect: z.boolean().default(false),
                  description: z.string().max(500).nullable().optional(),
                }),
              },
            },
            required: true,
          },
        },
        responses: { 201: json(DestinationWithSecret, 'The destination, with the secret its deliveries are signed with') },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const row = await createDestination(db, c.get('platform').id, { ...body, topics: checkTopics(body.topics) });
        return c.json(withSecret(row), 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/webhooks',
        request: { query: PageQuery },
        responses: { 200: json(ListOf(DestinationOut), 'Destinations, oldest first') },
      }),
      async (c) => {
        const query = c.req.valid('query');
        return c.json(presentPage(await listDestinations(db, c.get('platform').id, query), query, present), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/webhooks/{id}',
        request: { params: Id },
        responses: { 200: json(DestinationWithSecret, 'The destination, with its secret') },
      }),
      async (c) => c.json(withSecret(await destinationOf(db, c.get('platform').id, c.req.valid('param').id)), 200),
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/webhooks/{id}',
        request: {
          params: Id,
          body: {
            content: {
              'application/json': {
                schema: z
                  .object({
                    url: url.optional(),
                    topics: Topics.optional(),
                    description: z.string().max(500).nullable().optional(),
                    enabled: z.boolean().optional(),
                  })
                  .strict(),
              },
            },
            required: true,
          },
        },
        responses: { 200: json(DestinationOut, 'The destination; disabled, it receives nothing until enabled again') },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const topics = body.topics ? checkTopics(body.topics) : undefined;
        const row = await updateDestination(db, c.get('platform').id, c.req.valid('param').id, { ...body, topics });
        return c.json(present(row), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/webhooks/{id}',
        request: { params: Id },
        responses: { 204: { description: 'Deleted: it receives nothing more, and what was still to be sent to it is cancelled' } },
      }),
      async (c) => {
        await deleteDestination(db, c.get('platform').id, c.req.valid('param').id);
        return c.body(null, 204);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/webhooks/{id}/deliveries',
        request: { params: Id, query: PageQuery.extend({ status: DeliveryStatusQuery.optional() }) },
        responses: { 200: json(ListOf(DeliveryOut), 'The delivery log, newest first, each delivery with its attempts') },
      }),
      async (c) => {
        const query = c.req.valid('query');
        const page = await listDeliveries(db, c.get('platform').id, c.req.valid('param').id, query);
        return c.json(
          presentPage(page, query, (d) => d),
          200,
        );
      },
    )
    .openapi(
      // PATCH rather than `POST …/retry`: a POST below `/webhooks/{id}` beside `POST /webhooks/stripe` would move the
      // whole app off Hono's RegExpRouter (bff/test/ops/router.test.ts).
      createRoute({
        method: 'patch',
        path: '/webhooks/{id}/deliveries/{event_id}',
        request: {
          params: z.object({ id: z.string(), event_id: z.string() }),
          body: { content: { 'application/json': { schema: z.object({ status: z.literal('pending') }).strict() } }, required: true },
        },
        responses: {
          202: { description: '`{"status":"pending"}` sends the event again now, whatever became of it: a new attempt, the same event id' },
        },
      }),
      async (c) => {
        const { id, event_id } = c.req.valid('param');
        await redeliver(db, c.get('platform').id, id, event_id);
        return c.body(null, 202);
      },
    );
}
