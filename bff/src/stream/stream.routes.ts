import { createRoute, z } from '@hono/zod-openapi';
import type { PortalWallet, StreamEventName, StreamEvents } from '@credyt/shared';
import { ProblemError } from '../http/problem.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { createRouter } from '../http/router.ts';
import type { EntryRow } from '../wallet/ledger.ts';
import type { Logger } from '../log.ts';
import type { PortalEnv } from '../sessions/context.ts';
import type { LedgerHub } from './hub.ts';
import { EventStream } from './event-stream.ts';
import { StreamSlots, type SessionWatch, type StreamOptions } from './open-streams.ts';
import { entriesAfter, revokedSessions } from './service.ts';
import { presentTransaction } from '../transactions/presenters.ts';
import { presentUsage } from '../usage/presenters.ts';
import { TimeZoneParam } from '../time.ts';
import { accountId, loadWallet, type WalletOwner } from '../wallet/service.ts';
import { metrics } from '../metrics.ts';

/** The reconnect delay the server suggests to EventSource-style readers. */
const RETRY_MS = 3_000;
/** The shortest reconnect delay a draining server asks for; each stream adds up to twice this at random. */
const DRAIN_RETRY_MS = 500;

const drainingProblem = () =>
  new ProblemError(503, 'This server is restarting. Retry shortly.', undefined, 'about:blank', { 'retry-after': '1' });

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

function send<K extends StreamEventName>(sse: EventStream, event: K, data: StreamEvents[K], id?: number): void {
  sse.writeEvent(event, JSON.stringify(data), id);
}

/**
 * Sends entries in seq order: `usage.created` then `transaction.created` (which carries the id, so a resume
 * after a cut between the two repeats rather than loses), then one `wallet.updated` per account touched.
 */
async function sendEntries(sse: EventStream, rows: EntryRow[], wallet: () => Promise<PortalWallet>): Promise<void> {
  if (rows.length === 0) return;
  const touched: string[] = [];
  for (const e of rows) {
    if (e.category === 'usage') send(sse, 'usage.created', presentUsage(e));
    send(sse, 'transaction.created', presentTransaction(e), e.seq);
    const id = accountId(e.accountName, e.assetCode);
    if (!touched.includes(id)) touched.push(id);
  }
  const snapshot = await wallet();
  for (const id of touched) {
    const account = snapshot.accounts.find((a) => a.id === id);
    if (account) send(sse, 'wallet.updated', { account, spent_this_month: snapshot.spent_this_month });
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
  lifecycle: Lifecycle;
}) {
  const { db, clock, hub, watch, logger, options, lifecycle } = deps;
  const slots = deps.slots ?? new StreamSlots(options);
  return createRouter<PortalEnv>().openapi(streamRoute, async (c) => {
    // What the stream keeps of its session for as long as it is open: not the platform's row with its configuration.
    const portal = c.get('portal');
    const session: WalletOwner & { sessionId: string; expiresAt: Date } = {
      sessionId: portal.sessionId,
      customerId: portal.customerId,
      platform: { id: portal.platform.id, currency: portal.platform.currency },
      expiresAt: portal.expiresAt,
    };
    const { tz } = c.req.valid('query');
    const lastEventId = parseLastEventId(c.req.header('last-event-id'));
    if (lifecycle.draining) throw drainingProblem();
    const slot = slots.acquire(session.sessionId);
    c.header('X-Accel-Buffering', 'no');
    // LISTEN is up before the response starts, so a write committed after the client sees it is never missed.
    try {
      await hub.start();
    } catch (err) {
      slot.release();
      throw err;
    }
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    // Ends when the client goes away (the body is cancelled), when the stream is closed, or when it reads too slowly.
    const sse = new EventStream(() => finish());
    void run(sse, done)
      .catch((err: unknown) => logger.error('stream failed', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        sse.close();
        slot.release();
      });
    return c.body(sse.body, 200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'transfer-encoding': 'chunked',
    });

    async function run(sse: EventStream, done: Promise<void>): Promise<void> {
      const end = () => sse.close();
      slot.setEnd(end);

      // Sends run one after another, in arrival order; each first checks that the session is still live.
      let queue = Promise.resolve();
      const enqueue = (task: () => Promise<void>) => {
        queue = queue
          .then(async () => {
            if (sse.closed) return;
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
      let replayed: Set<number> | undefined;
      const unsubscribe = await hub.subscribe(session.customerId, (batch) => {
        if (batch.platformId !== session.platform.id) return;
        const received = performance.now();
        enqueue(async () => {
          const wallet = walletIn(batch.shared);
          const [revoked, rows] = await Promise.all([
            batch.shared('revoked', () => revokedSessions(db, session.customerId, clock.now())),
            batch.entries(),
            wallet(),
          ]);
          if (revoked.has(session.sessionId)) return end();
          await sendEntries(sse, replayed ? rows.filter((e) => !replayed!.has(e.seq)) : rows, wallet);
          metrics.pushLatency.observe((performance.now() - received) / 1000);
        });
      });
      const unsubscribeTopUps = await hub.subscribeTopUps(session.customerId, (update) =>
        enqueue(async () => sse.writeEvent('top_up.updated', JSON.stringify(update))),
      );
      const unwatch = watch.add(session.sessionId, session.expiresAt, end);
      // Shutting down: tell the client to come back soon (spread over a second and a half, so a process's streams
      // do not all reconnect at once), then end; it reconnects, through the balancer, to a process still serving.
      const onDrain = () =>
        enqueue(async () => {
          sse.write(`retry: ${DRAIN_RETRY_MS + Math.floor(Math.random() * DRAIN_RETRY_MS * 2)}\n: server restarting\n\n`);
          end();
        });
      lifecycle.signal.addEventListener('abort', onDrain, { once: true });
      const heartbeat = setInterval(() => enqueue(async () => sse.write(': ping\n\n')), options.heartbeatMs);

      enqueue(async () => {
        sse.write(`retry: ${RETRY_MS}\n: connected\n\n`);
        if (lastEventId === null) return;
        const rows = await entriesAfter(db, session.platform.id, session.customerId, lastEventId, options.resumeLimit);
        replayed = new Set(rows.map((r) => r.seq));
        await sendEntries(sse, rows, walletIn());
      });

      await done;
      lifecycle.signal.removeEventListener('abort', onDrain);
      clearInterval(heartbeat);
      unsubscribe();
      unsubscribeTopUps();
      unwatch();
    }
  });
}
