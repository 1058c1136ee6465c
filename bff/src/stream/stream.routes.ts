import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { PortalWallet, StreamEventName, StreamEvents } from '@credyt/shared';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { ProblemError } from '../http/problem.ts';
import { createRouter } from '../http/router.ts';
import type { EntryRow } from '../wallet/ledger.ts';
import type { Logger } from '../log.ts';
import type { PortalEnv, PortalSessionInfo } from '../sessions/context.ts';
import type { LedgerHub } from './hub.ts';
import { entriesAfter, revokedAmong, revokedSessions } from './service.ts';
import { presentTransaction } from '../transactions/presenters.ts';
import { presentUsage } from '../usage/presenters.ts';
import { TimeZoneParam } from '../time.ts';
import { accountId, loadWallet } from '../wallet/service.ts';

export interface StreamOptions {
  /** A `: ping` comment this often keeps proxies from closing an idle stream (the widget reconnects after 45 s). */
  heartbeatMs: number;
  /** How often open streams' sessions are checked for revocation and expiry (one query for all of them). */
  sessionCheckMs: number;
  /** At most this many entries are replayed after `Last-Event-ID`. */
  resumeLimit: number;
  /** Open streams per portal session; opening one more closes that session's oldest. */
  maxStreamsPerSession: number;
  /** Open streams per process; past it a new stream is refused with 503 and Retry-After. */
  maxStreams: number;
}

/** Streams one portal session may hold open at once (a few tabs); the oldest is closed past it. */
export const MAX_STREAMS_PER_SESSION = 5;
/** Streams one BFF process holds open at most (each costs ~28 KB). */
export const MAX_STREAMS_PER_PROCESS = 10_000;
/** Seconds a client refused for the process cap is told to wait. */
export const STREAMS_FULL_RETRY_AFTER = 30;

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  heartbeatMs: 15_000,
  sessionCheckMs: 5_000,
  resumeLimit: 500,
  maxStreamsPerSession: MAX_STREAMS_PER_SESSION,
  maxStreams: MAX_STREAMS_PER_PROCESS,
};
/** The reconnect delay the server suggests to EventSource-style readers. */
const RETRY_MS = 3_000;

const streamRoute = createRoute({
  method: 'get',
  path: '/stream',
  request: { query: z.object({ tz: TimeZoneParam }) },
  responses: {
    200: {
      content: { 'text/event-stream': { schema: z.string() } },
      description:
        'Server-sent events: `wallet.updated`, `usage.created`, `transaction.created`, `top_up.updated`, and heartbeats; resumes after `Last-Event-ID`',
    },
  },
});

/**
 * Ends the streams of sessions that expire or are revoked. One timer and one query per check for all open
 * streams of this process; it runs only while some stream is open.
 */
export class SessionWatch {
  private readonly watched = new Map<string, Set<{ expiresAt: Date; end: () => void }>>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  add(sessionId: string, expiresAt: Date, end: () => void): () => void {
    const watcher = { expiresAt, end };
    let set = this.watched.get(sessionId);
    if (!set) this.watched.set(sessionId, (set = new Set()));
    set.add(watcher);
    if (!this.timer) {
      this.timer = setInterval(() => void this.check(), this.intervalMs);
      this.timer.unref?.();
    }
    return () => {
      set.delete(watcher);
      if (set.size === 0) this.watched.delete(sessionId);
      if (this.watched.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Ends streams of revoked or expired sessions now (also run on a timer, and when a revocation is announced). */
  async check(): Promise<void> {
    const now = this.clock.now().getTime();
    for (const set of this.watched.values()) for (const w of set) if (w.expiresAt.getTime() <= now) w.end();
    const ids = [...this.watched.keys()];
    if (ids.length === 0) return;
    try {
      const revoked = await revokedAmong(this.db, ids);
      for (const id of revoked) for (const w of this.watched.get(id) ?? []) w.end();
    } catch (err) {
      this.logger.warn('session check failed', { error: String(err) });
    }
  }
}

interface StreamSlot {
  /** Called when the slot is taken back (its session opened one stream too many). */
  end: () => void;
  released: boolean;
}

/** The open streams of this process, by session: enforces both caps. */
export class StreamSlots {
  private readonly bySession = new Map<string, StreamSlot[]>();
  private open = 0;

  constructor(private readonly options: Pick<StreamOptions, 'maxStreams' | 'maxStreamsPerSession'>) {}

  get size(): number {
    return this.open;
  }

  /** Takes a slot for a new stream of `sessionId`, closing that session's oldest past its cap; 503 when full. */
  acquire(sessionId: string): { setEnd(end: () => void): void; release(): void } {
    let list = this.bySession.get(sessionId);
    const evictable = list && list.length >= this.options.maxStreamsPerSession;
    if (!evictable && this.open >= this.options.maxStreams) {
      throw new ProblemError(503, 'Too many live streams are open on this server. Retry shortly.', undefined, 'about:blank', {
        'retry-after': String(STREAMS_FULL_RETRY_AFTER),
      });
    }
    if (!list) this.bySession.set(sessionId, (list = []));
    while (list.length >= this.options.maxStreamsPerSession) {
      const oldest = list[0]!;
      this.release(sessionId, oldest);
      oldest.end();
    }
    let ended = false;
    const slot: StreamSlot = { end: () => (ended = true), released: false };
    list.push(slot);
    this.open += 1;
    return {
      setEnd: (end) => {
        if (ended) end();
        else slot.end = end;
      },
      release: () => this.release(sessionId, slot),
    };
  }

  private release(sessionId: string, slot: StreamSlot): void {
    if (slot.released) return;
    slot.released = true;
    this.open -= 1;
    const list = this.bySession.get(sessionId);
    if (!list) return;
    const i = list.indexOf(slot);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.bySession.delete(sessionId);
  }
}

async function send<K extends StreamEventName>(sse: SSEStreamingApi, event: K, data: StreamEvents[K], id?: number): Promise<void> {
  await sse.writeSSE({ event, data: JSON.stringify(data), ...(id === undefined ? {} : { id: String(id) }) });
}

/**
 * Sends entries in seq order: `usage.created` then `transaction.created` (which carries the id, so a resume
 * after a cut between the two repeats rather than loses), then one `wallet.updated` per account touched.
 */
async function sendEntries(sse: SSEStreamingApi, rows: EntryRow[], wallet: () => Promise<PortalWallet>): Promise<void> {
  if (rows.length === 0) return;
  const touched: string[] = [];
  for (const e of rows) {
    if (e.category === 'usage') await send(sse, 'usage.created', presentUsage(e));
    await send(sse, 'transaction.created', presentTransaction(e), e.seq);
    const id = accountId(e.accountName, e.assetCode);
    if (!touched.includes(id)) touched.push(id);
  }
  const snapshot = await wallet();
  for (const id of touched) {
    const account = snapshot.accounts.find((a) => a.id === id);
    if (account) await send(sse, 'wallet.updated', { account, spent_this_month: snapshot.spent_this_month });
  }
}

const parseLastEventId = (value: string | undefined): number | null =>
  value && /^\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : null;

export function streamRoutes(deps: {
  db: Database;
  clock: Clock;
  hub: LedgerHub;
  watch: SessionWatch;
  logger: Logger;
  options: StreamOptions;
  /** Open-stream accounting; one per app by default. */
  slots?: StreamSlots;
}) {
  const { db, clock, hub, watch, logger, options } = deps;
  const slots = deps.slots ?? new StreamSlots(options);
  return createRouter<PortalEnv>().openapi(streamRoute, async (c) => {
    const session: PortalSessionInfo = c.get('portal');
    const { tz } = c.req.valid('query');
    const lastEventId = parseLastEventId(c.req.header('last-event-id'));
    const slot = slots.acquire(session.sessionId);
    c.header('X-Accel-Buffering', 'no');
    // LISTEN is up before the response starts, so a write committed after the client sees it is never missed.
    try {
      await hub.start();
    } catch (err) {
      slot.release();
      throw err;
    }
    return streamSSE(c, async (sse) => {
      try {
        await run(sse);
      } finally {
        slot.release();
      }
    });

    async function run(sse: SSEStreamingApi): Promise<void> {
      let ended = false;
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      const end = () => {
        if (ended) return;
        ended = true;
        finish();
      };
      sse.onAbort(end);
      slot.setEnd(end);

      // Sends run one after another, in arrival order; each first checks that the session is still live.
      let queue = Promise.resolve();
      const enqueue = (task: () => Promise<void>) => {
        queue = queue
          .then(async () => {
            if (ended) return;
            if (clock.now().getTime() >= session.expiresAt.getTime()) return end();
            await task();
          })
          .catch((err: unknown) => {
            logger.error('stream send failed', { error: err instanceof Error ? err.message : String(err) });
            end();
          });
      };
      const walletIn = (shared?: <T>(key: string, load: () => Promise<T>) => Promise<T>) => () => {
        const load = () => loadWallet(db, session, tz, clock.now());
        return shared ? shared(`wallet:${tz}`, load) : load();
      };

      // Entries replayed after Last-Event-ID; a notification racing the replay must not send them twice.
      const replayed = new Set<number>();
      const unsubscribe = await hub.subscribe(session.customerId, (batch) => {
        if (batch.platformId !== session.platform.id) return;
        enqueue(async () => {
          const wallet = walletIn(batch.shared);
          const [revoked, rows] = await Promise.all([
            batch.shared('revoked', () => revokedSessions(db, session.customerId, clock.now())),
            batch.entries(),
            wallet(),
          ]);
          if (revoked.has(session.sessionId)) return end();
          await sendEntries(
            sse,
            rows.filter((e) => !replayed.has(e.seq)),
            wallet,
          );
        });
      });
      const unsubscribeTopUps = await hub.subscribeTopUps(session.customerId, (update) =>
        enqueue(() => sse.writeSSE({ event: 'top_up.updated', data: JSON.stringify(update) })),
      );
      const unwatch = watch.add(session.sessionId, session.expiresAt, end);
      const heartbeat = setInterval(() => enqueue(() => sse.write(': ping\n\n').then(() => undefined)), options.heartbeatMs);

      enqueue(async () => {
        await sse.write(`retry: ${RETRY_MS}\n: connected\n\n`);
        if (lastEventId === null) return;
        const rows = await entriesAfter(db, session.platform.id, session.customerId, lastEventId, options.resumeLimit);
        for (const r of rows) replayed.add(r.seq);
        await sendEntries(sse, rows, walletIn());
      });

      await done;
      clearInterval(heartbeat);
      unsubscribe();
      unsubscribeTopUps();
      unwatch();
    }
  });
}
