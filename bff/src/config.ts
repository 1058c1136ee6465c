import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Where a clone builds the widget (`pnpm build`); a deployment may copy that folder anywhere and say so. */
const BUILT_WIDGET = fileURLToPath(new URL('../../widget/dist', import.meta.url));

const Url = z.url({ protocol: /^https?$/ });

const Environment = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z
    .string()
    .regex(/^[0-9a-zA-Z.:_-]+$/, 'must be a host name or address such as 127.0.0.1 or 0.0.0.0')
    .default('127.0.0.1'),
  PUBLIC_URL: Url.optional(),
  DATABASE_URL: z
    .string()
    .refine((v) => v === 'memory:' || /^postgres(ql)?:\/\//.test(v) || !v.includes('://'), {
      message: 'must be a postgres:// URL, "memory:", or a directory for the embedded database',
    })
    .optional(),
  DATABASE_DIRECT_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  DATABASE_READ_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(2),
  STRIPE_SECRET_KEY: z.string().startsWith('sk_', 'must be a Stripe secret key (sk_…)').optional(),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith('whsec_', 'must be a Stripe webhook secret (whsec_…)').optional(),
  STRIPE_API_BASE: Url.optional(),
  BOOTSTRAP_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  WIDGET_DIST: z.string().optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  MAX_OPEN_STREAMS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
  WEBHOOK_ALLOW_INSECURE_URLS: z.enum(['true', 'false']).default('false'),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(12),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
});

export interface Config {
  port: number;
  /** The interface the server binds: loopback unless a deployment says otherwise (`0.0.0.0` in a container). */
  host: string;
  publicUrl: string;
  databaseUrl: string | undefined;
  /** Set when DATABASE_URL is a transaction pooler (PgBouncer): PostgreSQL itself, for LISTEN and migrations. */
  databaseDirectUrl: string | undefined;
  /** postgres.js pools: transactions and ordinary queries; the pipelined hot reads (wallet). */
  pool: { size: number; readSize: number };
  stripe: { secretKey: string; webhookSecret: string; apiBase: string | undefined };
  bootstrapApiKey: string | undefined;
  /** Reverse proxies in front of the BFF: the client IP is read that many X-Forwarded-For hops back (0: the socket's). */
  trustProxy: number;
  logLevel: z.infer<typeof Environment>['LOG_LEVEL'];
  /** The built widget served at `/widget/*` (widget/dist unless WIDGET_DIST says otherwise). */
  widgetDist: string;
  /** When set, `GET /metrics` wants `Authorization: Bearer <it>`; else it is open (it names no platform or customer). */
  metricsToken: string | undefined;
  /** Live portal streams this process holds open at most; past it a new one is refused 503 with Retry-After. */
  maxOpenStreams: number;
  /** On SIGTERM: how long in-flight requests may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /**
   * Webhooks to the platform: `allowInsecureUrls` accepts http and private hosts (the demo, tests); the rest shapes
   * delivery (timeout per attempt, attempts before giving up, the first retry's wait, doubling after), and
   * `liveMode` (a live Stripe key) is what every envelope's `live_mode` says.
   */
  webhooks: { allowInsecureUrls: boolean; timeoutMs: number; maxAttempts: number; retryBaseMs: number; liveMode: boolean };
}

export class ConfigError extends Error {}

/** Parses the environment once, at start. A bad value fails with one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Environment.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${String(issue?.path[0] ?? '?')} ${issue?.message ?? ''}`.trim());
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    databaseDirectUrl: e.DATABASE_DIRECT_URL,
    pool: { size: e.DATABASE_POOL_SIZE, readSize: e.DATABASE_READ_POOL_SIZE },
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY ?? 'sk_test_local_emulator',
      webhookSecret: e.STRIPE_WEBHOOK_SECRET ?? 'whsec_test_secret',
      apiBase: e.STRIPE_API_BASE,
    },
    bootstrapApiKey: e.BOOTSTRAP_API_KEY,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    widgetDist: e.WIDGET_DIST ?? BUILT_WIDGET,
    metricsToken: e.METRICS_TOKEN,
    maxOpenStreams: e.MAX_OPEN_STREAMS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    webhooks: {
      allowInsecureUrls: e.WEBHOOK_ALLOW_INSECURE_URLS === 'true',
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      liveMode: (e.STRIPE_SECRET_KEY ?? '').startsWith('sk_live_'),
    },
  };
}
