import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { ping, type DatabaseHandle } from './db/client.ts';
import { exactJsonBody, limitBody, storableUrl } from './http/json-body.ts';
import { DATABASE_RETRY_AFTER, describeError, isDatabaseUnavailable, problemFromDatabase } from './http/database-errors.ts';
import { onError, problemResponse } from './http/problem.ts';
import { secureHeaders } from './http/secure-headers.ts';
import { compressResponses } from './http/compress.ts';
import { WIDGET_ENTRY, widgetAssets } from './http/widget-assets.ts';
import { provideRateLimiter, RateLimiter } from './http/rate-limit.ts';
import { createLedger } from './ledger.ts';
import type { Logger } from './log.ts';
import { Lifecycle } from './lifecycle.ts';
import { registry, timeRequests } from './metrics.ts';
import { timingSafeEqual } from 'node:crypto';
import type { Ledger } from './wallet/ledger.ts';
import { platformApi } from './platform-api.ts';
import { createStripeClient } from './stripe/client.ts';
import { stripeWebhookRoutes } from './stripe/webhooks.routes.ts';
import type Stripe from 'stripe';
import { portalRoutes, type PortalOptions } from './portal-api.ts';
import { hostedPortalRoutes } from './sessions/hosted.routes.ts';
import { paymentLinkKey } from './customers/service.ts';
import { subscriptionPaymentRoutes } from './customers/subscription-payment.routes.ts';
import type { PortalEnv } from './sessions/context.ts';
import { SessionCache } from './sessions/session-cache.ts';

/** Seconds to wait before retrying a 503 or 429 that does not say otherwise. */
const DEFAULT_RETRY_AFTER = 5;
/** Event-writing transactions at once on PostgreSQL; concurrent requests beyond them join the next one. */
const INGEST_GROUPS_IN_FLIGHT = 2;

export interface AppDeps {
  database: DatabaseHandle;
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Portal stream timings (heartbeat, session checks); tests shorten them. */
  portal?: Partial<PortalOptions>;
  /** The Stripe client; built from `config.stripe` when not given. */
  stripe?: Stripe;
  /** The ledger and its subscribers; `createLedger()` when not given. */
  ledger?: Ledger;
  /** Serving or draining (main.ts drains on SIGTERM); always serving when not given. */
  lifecycle?: Lifecycle;
}

/** Builds the whole HTTP surface from its dependencies; tests build it the same way, with real parts. */
export function createApp(deps: AppDeps) {
  const { database, config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const db = database.db;
  const stripe = deps.stripe ?? createStripeClient(config.stripe);
  // Subscription payment links are signed with a key derived from the Stripe secret: the same in every process.
  const linkKey = paymentLinkKey(config.stripe.secretKey);
  const ledger = deps.ledger ?? createLedger();
  const lifecycle = deps.lifecycle ?? new Lifecycle();
  const app = new OpenAPIHono<PortalEnv>();

  const answerError = onError((err, c) =>
    logger.error('unhandled error', { request_id: c.get('requestId'), method: c.req.method, path: c.req.path, ...describeError(err) }),
  );
  app.onError((err, c) => {
    if (isDatabaseUnavailable(err)) {
      logger.warn('database unavailable', {
        request_id: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        ...describeError(err),
      });
      const res = problemResponse(c, 503, 'The service cannot reach its database right now. Retry in a few seconds.');
      res.headers.set('retry-after', String(DATABASE_RETRY_AFTER));
      return res;
    }
    const res = answerError(problemFromDatabase(err) ?? err, c);
    // Every "try again later" says when: a ProblemError names it in its headers; any other gets the default.
    if ((res.status === 503 || res.status === 429) && !res.headers.has('retry-after')) {
      res.headers.set('retry-after', String(DEFAULT_RETRY_AFTER));
    }
    return res;
  });
  app.notFound((c) => problemResponse(c, 404, `No route for ${c.req.method} ${c.req.path}.`));
  // Before authentication and before anything reads the body: size while streaming, then an exact parse.
  // Each answer carries X-Request-Id (the caller's, when it sends a sane one), and the logs of its errors name it.
  app.use('*', timeRequests, compressResponses, secureHeaders, storableUrl, limitBody, exactJsonBody);
  // Abuse limits (rate-limit.ts): counters shared through the database, read by the routes that count.
  app.use('*', provideRateLimiter(new RateLimiter(db, clock, { trustProxy: config.trustProxy })));
  const sessionCache = new SessionCache();
  void sessionCache.listen(database, logger);
  app.use('/portal/*', async (c, next) => {
    c.set('sessionCache', sessionCache);
    await next();
  });

  // Liveness (the process answers; no I/O: also the benchmarks' same-server baseline) apart from readiness (send
  // it traffic: not while draining, not without its database, which answers 503 through onError).
  const withHealth = app
    .get('/livez', (c) => c.text('ok'))
    .get('/healthz', async (c) => {
      if (lifecycle.draining) {
        const res = problemResponse(c, 503, 'This server is shutting down.');
        res.headers.set('retry-after', '1');
        return res;
      }
      await ping(db);
      return c.json({ status: 'ok' });
    })
    .get('/metrics', async (c) => {
      if (config.metricsToken && !sameSecret(c.req.header('authorization') ?? '', `Bearer ${config.metricsToken}`)) {
        return problemResponse(c, 401, 'Send the metrics token as Authorization: Bearer <METRICS_TOKEN>.');
      }
      return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
    });

  // `pnpm serve` refuses to start without the bundle (main.ts); an app built for a test may do without it.
  if (existsSync(join(config.widgetDist, WIDGET_ENTRY))) app.route('/widget', widgetAssets(config.widgetDist));

  // One chain, so the app's type carries every route (Hono's RPC typing: `testClient`, `hc`); same order as ever.
  const routed = withHealth
    .route('/', stripeWebhookRoutes({ db, ledger, stripe, webhookSecret: config.stripe.webhookSecret, logger }))
    .route(
      '/',
      platformApi({
        db,
        ledger,
        publicUrl: config.publicUrl,
        clock,
        stripe,
        // PGlite is one connection: its transactions run one at a time anyway.
        ingest: { maxInFlight: database.kind === 'pglite' ? 1 : INGEST_GROUPS_IN_FLIGHT },
        webhooks: { allowInsecureUrls: config.webhooks.allowInsecureUrls },
        paymentLinkKey: linkKey,
        onSessionsRevoked: (notice) => sessionCache.evict(notice),
      }),
    )
    .route(
      '/portal',
      portalRoutes({
        database,
        clock,
        publicUrl: config.publicUrl,
        logger,
        stripe,
        sessionCache,
        options: { maxStreams: config.maxOpenStreams, ...deps.portal },
        lifecycle,
      }),
    )
    .route('/', hostedPortalRoutes({ db, clock, publicUrl: config.publicUrl }))
    .route('/', subscriptionPaymentRoutes({ db, stripe, key: linkKey }));

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Credyt-compatible platform API', version: '1.0.0', description: 'Authenticate with the X-Credyt-Api-Key header.' },
    servers: [{ url: config.publicUrl }],
  });
  return routed;
}

export type App = ReturnType<typeof createApp>;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
