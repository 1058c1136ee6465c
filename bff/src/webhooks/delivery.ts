// Webhook delivery: the workers that send what the outbox (`webhook_deliveries`) holds, signed as Credyt signs,
// at least once, retried with backoff, each attempt in the delivery log.
import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { resultRows, type DatabaseHandle } from '../db/client.ts';
import { subscribe, WEBHOOK_CHANNEL } from '../bus.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { metrics } from '../metrics.ts';
import { envelope } from './service.ts';

/**
 * `Credyt-Signature: t=<unix seconds>,v0=<hex HMAC-SHA256 of "<t>.<raw body>" keyed by the destination's secret>`
 * (https://docs.dev.credyt.ai/features/webhooks, "Verifying Webhook Signatures"). Each attempt is signed at its own time.
 */
export function credytSignature(secret: string, body: string, unixSeconds: number): string {
  const v0 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v0=${v0}`;
}

export interface DeliveryOptions {
  /** How often due retries and abandoned claims are looked for (new deliveries wake the workers at once). */
  pollMs: number;
  /** A destination that has not answered after this long has failed the attempt. */
  timeoutMs: number;
  /** After this many failed attempts a delivery stops (status `failed`); the platform can send it again. */
  maxAttempts: number;
  /** The first retry waits about this long; each next one twice as long, up to `retryCapMs`. */
  retryBaseMs: number;
  retryCapMs: number;
  /** Deliveries in flight at once, per process. */
  concurrency: number;
  /** Deliveries in flight at once to one destination: a slow endpoint cannot take every slot from the others. */
  perDestination: number;
  /** `live_mode` in every envelope: a live Stripe key means live money. */
  liveMode: boolean;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  pollMs: 1000,
  timeoutMs: 10_000,
  maxAttempts: 12,
  retryBaseMs: 30_000,
  retryCapMs: 6 * 3600_000,
  concurrency: 16,
  perDestination: 4,
  liveMode: false,
};

interface Claimed {
  event_id: string;
  destination_id: string;
  attempts: number;
  attempt_base: number;
  type: string;
  created_at: Date | string;
  data: string;
  url: string;
  secret: string;
}

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  retryAfterMs: number | null;
}

/** The wait before attempt `attempts + 1`: exponential from `retryBaseMs`, capped, spread ±25% so retries do not bunch. */
export function retryDelay(options: Pick<DeliveryOptions, 'retryBaseMs' | 'retryCapMs'>, attempts: number, random = Math.random()): number {
  const base = Math.min(options.retryCapMs, options.retryBaseMs * 2 ** Math.min(attempts - 1, 30));
  return Math.round(base * (0.75 + random * 0.5));
}

/**
 * Sends due deliveries. Any number of processes may run one: rows are claimed with `FOR UPDATE SKIP LOCKED` and a
 * lease, committed before the request goes out; a lease that runs out (the process died mid-send) makes the row due
 * again. So an event may reach a destination more than once (at least once, as Credyt's do): receivers deduplicate
 * on the event's `id`. Order between events is not kept.
 */
export class WebhookWorker {
  private readonly options: DeliveryOptions;
  private timer: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private claiming = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly logger: Logger,
    options: Partial<DeliveryOptions> = {},
  ) {
    this.options = { ...DEFAULT_DELIVERY, ...options };
  }

  async start() {
    this.unlisten = await subscribe(this.database, WEBHOOK_CHANNEL, () => this.kick());
    this.timer = setInterval(() => void this.tick(), this.options.pollMs);
    this.timer.unref();
    await this.tick();
  }

  /**
   * Stops claiming, cuts the requests in flight and gives their deliveries back (due at once, the attempt not
   * counted), so another process sends them; resolves when nothing is in flight.
   */
  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.unlisten?.();
    this.abort.abort();
    while (this.claiming || this.inFlight.size > 0) await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 10))]);
  }

  /** Resolves once nothing is being claimed or sent (tests wait on it). */
  async idle() {
    while (this.claiming || this.inFlight.size > 0) await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 5))]);
  }

  private async tick() {
    if (this.stopped) return;
    try {
      await this.database.db.execute(sql`
        update webhook_deliveries set status = 'pending', claimed_until = null, next_attempt_at = now()
        where status = 'sending' and claimed_until < now()`);
      // An attempt that ended as its destination was being disabled may have set its delivery back to pending
      // (neither transaction saw the other's write): it is paused like the rest.
      await this.database.db.execute(sql`
        update webhook_deliveries w set status = 'paused'
        from webhook_destinations d
        where w.status = 'pending' and d.id = w.destination_id and not d.enabled`);
    } catch (err) {
      this.logger.warn('webhook worker: reclaiming abandoned deliveries failed', { error: String(err) });
    }
    this.kick();
  }

  /** Fills the free slots with due deliveries; concurrent kicks coalesce into one more pass. */
  kick() {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    void (async () => {
      try {
        do {
          this.again = false;
          while (!this.stopped && this.inFlight.size < this.options.concurrency) {
            // A few at a time, so each claim sees the ones before it as sending (the per-destination cap).
            const claimed = await this.claim(Math.min(this.options.concurrency - this.inFlight.size, this.options.perDestination));
            if (claimed.length === 0) break;
            for (const row of claimed) this.track(this.deliver(row));
          }
        } while (this.again && !this.stopped);
      } catch (err) {
        this.logger.error('webhook worker', { error: err instanceof Error ? err.stack : String(err) });
      } finally {
        this.claiming = false;
      }
    })();
  }

  private track(work: Promise<void>) {
    const done: Promise<void> = work
      .catch((err: unknown) => this.logger.error('webhook delivery', { error: err instanceof Error ? err.stack : String(err) }))
      .finally(() => {
        this.inFlight.delete(done);
        this.kick();
      });
    this.inFlight.add(done);
  }

  private async claim(limit: number): Promise<Claimed[]> {
    const leaseSeconds = (this.options.timeoutMs + 30_000) / 1000;
    return resultRows<Claimed>(
      await this.database.db.execute(sql`
        with due as (
          select w.event_id, w.destination_id from webhook_deliveries w
          where w.status = 'pending' and w.next_attempt_at <= now()
            and (select count(*) from webhook_deliveries s
                 where s.destination_id = w.destination_id and s.status = 'sending') < ${this.options.perDestination}
          order by w.next_attempt_at limit ${limit}
          for update skip locked
        )
        update webhook_deliveries w
        set status = 'sending', attempts = w.attempts + 1, claimed_until = now() + make_interval(secs => ${leaseSeconds})
        from due, webhook_events e, webhook_destinations d
        where w.event_id = due.event_id and w.destination_id = due.destination_id and e.id = w.event_id and d.id = w.destination_id
          and d.enabled and d.deleted_at is null
        returning w.event_id, w.destination_id, w.attempts, w.attempt_base, e.type, e.created_at, e.data, d.url, d.secret`),
    );
  }

  private async deliver(row: Claimed) {
    const body = envelope({ id: row.event_id, type: row.type, createdAt: new Date(row.created_at), data: row.data }, this.options.liveMode);
    const startedAt = new Date();
    const outcome = await this.send(row, body);
    const durationMs = Date.now() - startedAt.getTime();
    const db = this.database.db;
    if (outcome === 'released') {
      await db.execute(sql`
        update webhook_deliveries set status = 'pending', attempts = attempts - 1, claimed_until = null, next_attempt_at = now()
        where event_id = ${row.event_id} and destination_id = ${row.destination_id} and status = 'sending' and attempts = ${row.attempts}`);
      return;
    }
    // The schedule counts from the platform's last redelivery.
    const tries = row.attempts - row.attempt_base;
    const last = tries >= this.options.maxAttempts;
    const status = outcome.ok ? 'succeeded' : last ? 'failed' : 'pending';
    const wait = Math.min(this.options.retryCapMs, Math.max(retryDelay(this.options, tries), outcome.retryAfterMs ?? 0));
    // The attempt is logged whatever became of the delivery meanwhile; a deleted destination's stays cancelled, a
    // disabled one's is paused.
    await db.execute(sql`
      with logged as (
        insert into webhook_attempts (event_id, destination_id, attempt, started_at, duration_ms, status_code, error)
        values (${row.event_id}, ${row.destination_id}, ${row.attempts}, ${startedAt.toISOString()}, ${durationMs},
                ${outcome.statusCode}, ${outcome.error})
        on conflict do nothing
      )
      update webhook_deliveries w
      set status = case when ${status} = 'pending' and not exists (
                     select 1 from webhook_destinations d where d.id = w.destination_id and d.enabled) then 'paused' else ${status} end,
          claimed_until = null, last_status_code = ${outcome.statusCode}, last_error = ${outcome.error},
          delivered_at = case when ${outcome.ok} then now() else delivered_at end,
          next_attempt_at = now() + make_interval(secs => ${wait / 1000})
      where event_id = ${row.event_id} and destination_id = ${row.destination_id} and status = 'sending'
        -- Only this claim's: a lease that ran out may have been claimed again, and that claim owns the row now.
        and attempts = ${row.attempts}`);
    metrics.webhookDeliveries.inc({ outcome: outcome.ok ? 'succeeded' : last ? 'failed' : 'retrying' });
    if (!outcome.ok)
      this.logger.warn('webhook delivery failed', {
        event: row.event_id,
        destination: row.destination_id,
        attempt: row.attempts,
        status_code: outcome.statusCode,
        error: outcome.error,
        ...(last ? { gave_up: true } : { retry_in_ms: wait }),
      });
  }

  /** One POST of `body`; any 2xx is success, anything else (a redirect too: it is not followed) a failed attempt. */
  private async send(row: Claimed, body: string): Promise<Outcome | 'released'> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.any([timeout, this.abort.signal]),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Credyt-Webhooks/1.0',
          'credyt-signature': credytSignature(row.secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
      });
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status, error: null, retryAfterMs: null };
      const retryAfter = Number(res.headers.get('retry-after'));
      return {
        ok: false,
        statusCode: res.status,
        error: `The destination answered ${res.status}.`,
        retryAfterMs: (res.status === 429 || res.status === 503) && retryAfter > 0 ? retryAfter * 1000 : null,
      };
    } catch (err) {
      if (this.abort.signal.aborted) return 'released';
      const error = timeout.aborted ? `No answer within ${this.options.timeoutMs} ms.` : `The request failed: ${describeFetchError(err)}.`;
      return { ok: false, statusCode: null, error, retryAfterMs: null };
    }
  }
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The worker as the configuration shapes it (`WEBHOOK_*`, and `live_mode` from the Stripe key). */
export function webhookWorker(database: DatabaseHandle, logger: Logger, config: Config['webhooks']): WebhookWorker {
  return new WebhookWorker(database, logger, {
    timeoutMs: config.timeoutMs,
    maxAttempts: config.maxAttempts,
    retryBaseMs: config.retryBaseMs,
    liveMode: config.liveMode,
  });
}
