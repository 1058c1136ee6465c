import { getConnInfo } from '@hono/node-server/conninfo';
import { sql } from 'drizzle-orm';
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { ProblemError } from './problem.ts';
import { metrics } from '../metrics.ts';

/** A fixed-window limit: at most `limit` hits per `windowMs` for one key of this rule. */
export interface RateRule {
  /** Prefix of the stored key, e.g. `exchange:ip:203.0.113.9`. */
  name: string;
  limit: number;
  windowMs: number;
}

const MINUTE = 60_000;
/**
 * The address of a request without a socket (an in-process `app.request()`, i.e. tests) and no trusted
 * X-Forwarded-For: such callers are not network clients and are never limited. Tests inject an address with
 * `TRUST_PROXY=1` and an X-Forwarded-For header.
 */
const LOCAL = 'local';

/** Portal link exchanges (`POST /portal/api/session`, `GET /portal/sign-in`) per client IP. */
export const LINK_EXCHANGE_LIMIT: RateRule = { name: 'exchange:ip', limit: 30, windowMs: MINUTE };
/**
 * Failed credentials per client IP: unknown or revoked API keys, invalid, expired or revoked portal tokens.
 * Past it, the IP is answered 429 for the rest of the window before any lookup, whatever it sends.
 */
export const CREDENTIAL_FAILURE_LIMIT: RateRule = { name: 'authfail:ip', limit: 20, windowMs: MINUTE };
/** Portal link creation (`POST /billing-portal/sessions`) per platform. */
export const LINK_CREATION_LIMIT: RateRule = { name: 'links:platform', limit: 600, windowMs: MINUTE };

/** Keys remembered as blocked in this process, at most; the oldest are forgotten first past it. */
const MAX_BLOCKED = 100_000;
/** Every this many counted hits, a process deletes the counters whose window ended long ago. */
const PRUNE_EVERY = 1_000;
/** A counter is stale once its window started this long ago: longer than any rule's window. */
const STALE_AFTER_MS = 10 * MINUTE;

declare module 'hono' {
  interface ContextVariableMap {
    /** The app's rate limiter (set by `createApp` for every request). */
    rateLimiter: RateLimiter;
  }
}

export interface RateLimiterOptions {
  /** How many reverse proxies in front of the BFF append to X-Forwarded-For (0: the socket's address only). */
  trustProxy?: number;
}

export interface Hit {
  hits: number;
  /** Seconds until the key's window ends (at least 1). */
  retryAfter: number;
  over: boolean;
}

function tooManyRequests(retryAfter: number, detail = 'Too many requests. Slow down and retry later.'): ProblemError {
  metrics.rateLimited.inc();
  const seconds = Math.max(1, Math.ceil(retryAfter));
  return new ProblemError(429, detail, undefined, 'about:blank', { 'retry-after': String(seconds) });
}

/**
 * Fixed-window counters in PostgreSQL (`rate_limits`, UNLOGGED), so every BFF process on the database shares
 * them: one upsert per hit. Keys known to be over their limit are remembered in-process until their window
 * ends, so a blocked client costs no query at all.
 */
export class RateLimiter {
  private readonly blocked = new Map<string, number>();
  private hitsSincePrune = 0;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly options: RateLimiterOptions = {},
  ) {}

  /** The client's address: the socket's, or the X-Forwarded-For entry `trustProxy` hops back; `local` without a socket. */
  clientIp(c: Context): string {
    const hops = this.options.trustProxy ?? 0;
    if (hops > 0) {
      const forwarded = (c.req.header('x-forwarded-for') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (forwarded.length > 0) return forwarded[Math.max(0, forwarded.length - hops)]!;
    }
    try {
      return getConnInfo(c).remote.address ?? 'local';
    } catch {
      return LOCAL; // app.request() in tests: no socket
    }
  }

  private key(rule: RateRule, id: string): string {
    return `${rule.name}:${id}`;
  }

  /** Seconds left on a known block of this key, or 0: no query. */
  blockedFor(rule: RateRule, id: string): number {
    if (id === LOCAL) return 0;
    const key = this.key(rule, id);
    const until = this.blocked.get(key);
    if (until === undefined) return 0;
    const left = until - this.clock.now().getTime();
    if (left <= 0) {
      this.blocked.delete(key);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  /** Throws 429 when this key is known to be blocked; never queries. */
  check(rule: RateRule, id: string, detail?: string): void {
    const left = this.blockedFor(rule, id);
    if (left > 0) throw tooManyRequests(left, detail);
  }

  /** Counts one hit (one statement); past the limit the key is remembered as blocked until its window ends. */
  async hit(rule: RateRule, id: string): Promise<Hit> {
    if (id === LOCAL) return { hits: 0, retryAfter: 1, over: false };
    const key = this.key(rule, id);
    const now = this.clock.now();
    const result = await this.db.execute<{ hits: number; window_start: string | Date }>(sql`
      insert into rate_limits as r (key, window_start, hits) values (${key}, ${now.toISOString()}::timestamptz, 1)
      on conflict (key) do update set
        hits = case when r.window_start <= excluded.window_start - make_interval(secs => ${rule.windowMs / 1000}) then 1 else r.hits + 1 end,
        window_start = case when r.window_start <= excluded.window_start - make_interval(secs => ${rule.windowMs / 1000}) then excluded.window_start else r.window_start end
      returning hits, window_start`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { hits: number; window_start: string | Date }[];
    const row = rows[0]!;
    const hits = Number(row.hits);
    const ends = new Date(row.window_start).getTime() + rule.windowMs;
    const retryAfter = Math.max(1, Math.ceil((ends - now.getTime()) / 1000));
    const over = hits > rule.limit;
    if (over) this.remember(key, ends);
    if (++this.hitsSincePrune >= PRUNE_EVERY) void this.prune();
    return { hits, retryAfter, over };
  }

  /** Deletes counters whose window ended long ago (one client's IP is one row; without this they only grow). */
  async prune(): Promise<number> {
    this.hitsSincePrune = 0;
    const before = new Date(this.clock.now().getTime() - STALE_AFTER_MS).toISOString();
    try {
      const result = await this.db.execute<{ key: string }>(
        sql`delete from rate_limits where window_start < ${before}::timestamptz returning key`,
      );
      return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows).length;
    } catch {
      return 0; // best effort: the next prune tries again
    }
  }

  /** `check`, then `hit`: throws 429 once the key is past its limit. */
  async consume(rule: RateRule, id: string, detail?: string): Promise<void> {
    this.check(rule, id, detail);
    const { over, retryAfter } = await this.hit(rule, id);
    if (over) throw tooManyRequests(retryAfter, detail);
  }

  /** A failed credential from this request's IP; throws 429 if that was one too many. */
  async failed(c: Context): Promise<void> {
    const { over, retryAfter } = await this.hit(CREDENTIAL_FAILURE_LIMIT, this.clientIp(c));
    if (over) throw tooManyRequests(retryAfter, FAILURE_DETAIL);
  }

  /** Before any credential lookup: 429 for an IP known to have failed too often (no query). */
  checkFailures(c: Context): void {
    this.check(CREDENTIAL_FAILURE_LIMIT, this.clientIp(c), FAILURE_DETAIL);
  }

  private remember(key: string, until: number): void {
    if (this.blocked.size >= MAX_BLOCKED) {
      const now = this.clock.now().getTime();
      for (const [k, u] of this.blocked) if (u <= now) this.blocked.delete(k);
      while (this.blocked.size >= MAX_BLOCKED) this.blocked.delete(this.blocked.keys().next().value!);
    }
    this.blocked.delete(key);
    this.blocked.set(key, until);
  }
}

const FAILURE_DETAIL = 'Too many failed sign-in attempts from this address. Retry later.';

/** Puts the limiter on every request's context. */
export function provideRateLimiter(limiter: RateLimiter): MiddlewareHandler {
  return async (c, next) => {
    c.set('rateLimiter', limiter);
    await next();
  };
}
