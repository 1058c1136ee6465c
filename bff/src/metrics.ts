import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';

/**
 * What this process counts, for Prometheus (`GET /metrics`). One registry per process, as prom-client's own
 * default is: the counters are module-level so the parts that count (the ledger, the stream, the rate limiter,
 * the worker) need no wiring. Labels carry route patterns and outcomes, never a platform's or a customer's id:
 * the cardinality stays fixed, and the page shows volumes, not who.
 */
export const registry = new Registry();

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const metrics = {
  requestDuration: new Histogram({
    name: 'credyt_http_request_duration_seconds',
    help: 'Time to the answer (its headers; a stream counts until it opens), by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  eventsIngested: new Counter({
    name: 'credyt_events_ingested_total',
    help: 'Usage events answered by POST /events: created (booked now) or duplicate (booked before, same body).',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  ledgerEntries: new Counter({
    name: 'credyt_ledger_entries_total',
    help: 'Ledger entries written, by category (counted as written: a write a group commit retries counts again).',
    labelNames: ['category'] as const,
    registers: [registry],
  }),
  openStreams: new Gauge({
    name: 'credyt_open_streams',
    help: 'Live portal streams open on this process.',
    registers: [registry],
  }),
  pushLatency: new Histogram({
    name: 'credyt_push_latency_seconds',
    help: 'From the ledger notification reaching this process to its entries written on a stream.',
    buckets: SECONDS,
    registers: [registry],
  }),
  autoTopUps: new Counter({
    name: 'credyt_auto_top_up_attempts_total',
    help: 'Auto top-up attempts settled, by outcome (succeeded, failed, deferred: Stripe unreachable, retried later).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  webhookDeliveries: new Counter({
    name: 'credyt_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome (succeeded; retrying: failed, tried again later; failed: gave up).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  rateLimited: new Counter({
    name: 'credyt_rate_limited_total',
    help: 'Requests refused 429 by the abuse limits.',
    registers: [registry],
  }),
};

/** Process CPU, memory, event-loop lag and GC (prom-client's defaults): `pnpm serve` turns them on, tests do not. */
export function collectProcessMetrics(): void {
  collectDefaultMetrics({ register: registry, prefix: 'credyt_' });
}

/** The route pattern that answered (`/customers/:id/wallet`), or `unmatched` for a 404 of no route. */
function routeOf(c: Parameters<MiddlewareHandler>[0]): string {
  const routes = matchedRoutes(c);
  let mounted: string | undefined;
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!;
    if (route.method !== 'ALL') return route.path;
    // A sub-app of middleware only (the widget's files): its mount path.
    if (mounted === undefined && route.path !== '*' && route.path !== '/*') mounted = route.path;
  }
  return mounted ?? 'unmatched';
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The histogram's series by method, route and status, bound once: `observe(labels, v)` hashes its labels each call. */
const series = new Map<string, ReturnType<typeof metrics.requestDuration.labels>>();

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's id (`X-Request-Id`, set by timeRequests), which the logs of its errors name. */
    requestId: string;
  }
}

/** A request id the caller sent is kept when it is sane (as `hono/request-id` decides: at most 255 word characters, `-`, `=`). */
const SANE_REQUEST_ID = /^[\w\-=]{1,255}$/;

/**
 * The outermost layer of every request, observing it: gives it its request id (`X-Request-Id`, the caller's when
 * sane, which the logs of its errors name; `c.get('requestId')`) and times its answer into
 * `credyt_http_request_duration_seconds`. One middleware rather than `hono/request-id` beside a timing one: each
 * layer is an async function and a promise more per request (measured with `pnpm bench cpu`, README).
 */
export const timeRequests: MiddlewareHandler = async (c, next) => {
  const started = performance.now();
  const given = c.req.header('x-request-id');
  const id = given !== undefined && SANE_REQUEST_ID.test(given) ? given : crypto.randomUUID();
  c.set('requestId', id);
  c.header('X-Request-Id', id);
  try {
    await next();
  } finally {
    // A client may send any method name: only the standard ones get a series of their own.
    const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
    const route = routeOf(c);
    const status = c.res.status;
    const key = `${method} ${status} ${route}`;
    let child = series.get(key);
    if (!child) series.set(key, (child = metrics.requestDuration.labels(method, route, String(status))));
    child.observe((performance.now() - started) / 1000);
  }
};
