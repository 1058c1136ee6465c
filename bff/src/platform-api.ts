import type { Clock } from './clock.ts';
import type { Database } from './db/client.ts';
import { amountsAsNumbers } from './http/amounts-as-numbers.ts';
import { createRouter } from './http/router.ts';
import { assetRoutes } from './catalog/assets.routes.ts';
import { configurationRoutes } from './configuration/configuration.routes.ts';
import { accountRoutes } from './tenancy/accounts.routes.ts';
import { requireApiKey, type PlatformEnv } from './tenancy/api-key.ts';
import { customerRoutes, type PaymentLinks } from './customers/customers.routes.ts';
import { eventRoutes, type IngestOptions } from './usage/events.routes.ts';
import { productRoutes } from './catalog/products.routes.ts';
import { sessionRoutes } from './sessions/platform.routes.ts';
import { topUpRoutes } from './top-ups/platform.routes.ts';
import { vendorRoutes } from './vendors/vendors.routes.ts';
import { walletRoutes } from './wallet/platform.routes.ts';
import { webhookRoutes, type WebhookRouteOptions } from './webhooks/webhooks.routes.ts';
import type Stripe from 'stripe';
import type { Ledger } from './wallet/ledger.ts';
import type { RevokedNotice } from './sessions/session-cache.ts';

const PLATFORM_PREFIXES = [
  '/accounts',
  '/assets',
  '/products',
  '/customers',
  '/events',
  '/billing-portal',
  '/top-ups',
  '/vendors',
  '/webhooks',
] as const;

/** The platform-facing API (Credyt-compatible), every route behind `X-Credyt-Api-Key`. */
export function platformApi(deps: {
  db: Database;
  ledger: Ledger;
  publicUrl: string;
  clock: Clock;
  stripe: Stripe;
  ingest: IngestOptions;
  webhooks: WebhookRouteOptions;
  /** Signs pending subscriptions' payment links. */
  paymentLinkKey: Buffer;
  onSessionsRevoked?: (notice: RevokedNotice) => void;
}) {
  const api = createRouter<PlatformEnv>();
  const auth = requireApiKey(deps.db);
  for (const prefix of PLATFORM_PREFIXES) api.use(prefix, auth, amountsAsNumbers).use(`${prefix}/*`, auth, amountsAsNumbers);
  return api
    .route('/', accountRoutes(deps.db))
    .route('/', assetRoutes(deps.db))
    .route('/', productRoutes(deps.db))
    .route('/', customerRoutes(deps.db, { publicUrl: deps.publicUrl, key: deps.paymentLinkKey } satisfies PaymentLinks))
    .route('/', walletRoutes(deps.db, deps.ledger))
    .route('/', eventRoutes(deps.db, deps.ledger, deps.ingest))
    .route('/', sessionRoutes(deps.db, deps.publicUrl, deps.clock, deps.onSessionsRevoked))
    .route('/', configurationRoutes(deps.db))
    .route('/', topUpRoutes(deps.db, deps.stripe))
    .route('/', vendorRoutes(deps.db))
    .route('/', webhookRoutes(deps.db, deps.webhooks));
}
