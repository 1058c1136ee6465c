/**
 * Delivers events to the webhook endpoint the way Stripe does: a JSON POST signed with
 * `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`, retried with backoff until the
 * endpoint answers 2xx. Test switches make delivery as unreliable as the real thing can be: duplicates,
 * delays, reordering and concurrent senders.
 */
import { createHmac } from 'node:crypto';
import { unixNow, type StripeEvent } from './objects.ts';

export interface DeliverySwitches {
  /** Where events go; empty disables delivery (events are still recorded). */
  webhookUrl: string;
  /** Deliver every event this many times (Stripe may deliver an event more than once). */
  duplicate: number;
  /** Wait this long before each delivery attempt. */
  delayMs: number;
  /** Deliver the events of one operation last-first (e.g. `checkout.session.completed` before `payment_intent.succeeded`). */
  reorder: boolean;
  /** Concurrent deliveries; above 1, order across events is not kept. */
  parallel: number;
  maxDeliveryAttempts: number;
  /** First retry delay; each further retry doubles it. */
  retryBaseMs: number;
}

export interface Delivery {
  eventId: string;
  type: StripeEvent['type'];
  attempt: number;
  /** The endpoint's HTTP status, or null when it could not be reached. */
  status: number | null;
  error: string | null;
  deliveredAt: string;
}

interface Job {
  event: StripeEvent;
  attempt: number;
}

export function signWebhookPayload(payload: string, secret: string, timestamp = unixNow()): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

const deliveryTimeoutMs = 10_000;

export class WebhookSender {
  private queue: Job[] = [];
  private batch: StripeEvent[] = [];
  private running = 0;
  /** Batches, queued jobs, running jobs and scheduled retries: flush() waits for zero. */
  private outstanding = 0;
  private waiters: (() => void)[] = [];
  private timers = new Set<NodeJS.Timeout>();
  /** Bumped by reset(), so deliveries already on the wire are forgotten rather than logged or retried. */
  private generation = 0;
  private log: Delivery[] = [];

  constructor(
    private readonly secret: string,
    private readonly switches: () => DeliverySwitches,
  ) {}

  /** Events emitted in the same tick form one batch, so `reorder` can turn an operation's events around. */
  send(event: StripeEvent): void {
    this.batch.push(event);
    if (this.batch.length > 1) return;
    this.outstanding++;
    const generation = this.generation;
    setImmediate(() => {
      if (generation !== this.generation) return;
      const { duplicate, reorder, webhookUrl } = this.switches();
      const events = reorder ? this.batch.reverse() : this.batch;
      this.batch = [];
      if (webhookUrl) {
        for (const queued of events) {
          for (let copy = 0; copy < duplicate; copy++) this.enqueue({ event: queued, attempt: 1 });
        }
      }
      this.done();
    });
  }

  redeliver(event: StripeEvent): void {
    this.enqueue({ event, attempt: 1 });
  }

  deliveries(): Delivery[] {
    return [...this.log];
  }

  flush(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Drops everything pending and forgets past deliveries. */
  reset(): void {
    this.generation++;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue = [];
    this.batch = [];
    this.log = [];
    this.running = 0;
    this.outstanding = 0;
    this.settle();
  }

  private enqueue(job: Job): void {
    this.outstanding++;
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.switches().parallel && this.queue.length > 0) {
      const job = this.queue.shift()!;
      const generation = this.generation;
      this.running++;
      void this.deliver(job, generation).finally(() => {
        if (generation !== this.generation) return;
        this.running--;
        this.done();
        this.pump();
      });
    }
  }

  private async deliver(job: Job, generation: number): Promise<void> {
    const { webhookUrl, delayMs, maxDeliveryAttempts, retryBaseMs } = this.switches();
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const payload = JSON.stringify(job.event, null, 2);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signWebhookPayload(payload, this.secret),
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: payload,
        signal: AbortSignal.timeout(deliveryTimeoutMs),
      });
      status = response.status;
      await response.body?.cancel();
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
    }
    if (generation !== this.generation) return;
    this.log.push({
      eventId: job.event.id,
      type: job.event.type,
      attempt: job.attempt,
      status,
      error,
      deliveredAt: new Date().toISOString(),
    });

    const delivered = status !== null && status >= 200 && status < 300;
    if (delivered || job.attempt >= maxDeliveryAttempts) return;
    this.outstanding++;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.enqueue({ event: job.event, attempt: job.attempt + 1 });
        this.done();
      },
      retryBaseMs * 2 ** (job.attempt - 1),
    );
    this.timers.add(timer);
  }

  private done(): void {
    this.outstanding--;
    this.settle();
  }

  private settle(): void {
    if (this.outstanding > 0) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
