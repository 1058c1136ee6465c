import type { Clock } from './clock.ts';
import type { DatabaseHandle } from './db/client.ts';
import { createRouter } from './http/router.ts';
import type { Logger } from './log.ts';
import type { PortalEnv } from './sessions/context.ts';
import { portalCors } from './sessions/cors.ts';
import { LedgerHub } from './stream/hub.ts';
import { exchangeRoutes, requirePortalSession, sessionRoutes, signInRoutes } from './sessions/portal.routes.ts';
import { spendRoutes } from './spend/spend.routes.ts';
import { DEFAULT_STREAM_OPTIONS, SessionWatch, type StreamOptions } from './stream/open-streams.ts';
import { streamRoutes } from './stream/stream.routes.ts';
import { Lifecycle } from './lifecycle.ts';
import type { SessionCache } from './sessions/session-cache.ts';
import { topUpRoutes } from './top-ups/portal.routes.ts';
import { transactionRoutes } from './transactions/transactions.routes.ts';
import type Stripe from 'stripe';
import { usageRoutes } from './usage/usage.routes.ts';
import { walletRoutes } from './wallet/portal.routes.ts';

export type PortalOptions = StreamOptions;

export interface PortalDeps {
  database: DatabaseHandle;
  clock: Clock;
  publicUrl: string;
  logger: Logger;
  stripe: Stripe;
  sessionCache?: SessionCache;
  options?: Partial<PortalOptions>;
  /** Draining ends the live streams with a reconnect hint. */
  lifecycle?: Lifecycle;
}

/**
 * The customer's portal, mounted at `/portal`: the hosted sign-in, and `/api/*`, the API the widget and the
 * hosted page read with a portal session (bearer or cookie), CORS-limited to the platform's origins.
 */
export function portalRoutes(deps: PortalDeps) {
  const { database, clock, logger } = deps;
  const db = database.db;
  const options: StreamOptions = { ...DEFAULT_STREAM_OPTIONS, ...deps.options };
  const hub = new LedgerHub(database, logger);
  const watch = new SessionWatch(db, clock, options.sessionCheckMs, logger);
  // A revocation closes that session's open streams at once, not at the next periodic check.
  deps.sessionCache?.onRevoked(() => void watch.check());

  // Everything under /api except the exchange needs a live session; routes added here inherit that.
  const api = createRouter<PortalEnv>()
    .use('*', requirePortalSession(db, clock))
    .route('/', sessionRoutes())
    .route('/', walletRoutes(db, clock))
    .route('/', spendRoutes(db, clock))
    .route('/', usageRoutes(db))
    .route('/', transactionRoutes(db))
    .route('/', streamRoutes({ db, clock, hub, watch, logger, options, lifecycle: deps.lifecycle ?? new Lifecycle() }))
    .route('/', topUpRoutes({ db, stripe: deps.stripe, publicUrl: deps.publicUrl }));

  return (
    createRouter<PortalEnv>()
      .route('/', signInRoutes(db, clock, deps.publicUrl))
      .use('/api/*', portalCors(db, deps.publicUrl))
      // Registered before `api`: the exchange answers without a session, so the session check never runs for it.
      .route('/', exchangeRoutes(db, clock))
      .route('/api', api)
  );
}
