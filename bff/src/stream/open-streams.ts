import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { ProblemError } from '../http/problem.ts';
import type { Logger } from '../log.ts';
import { revokedAmong } from './service.ts';
import { metrics } from '../metrics.ts';

/** How the portal's live streams are paced and capped. */
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
const MAX_STREAMS_PER_SESSION = 5;
/** Streams one BFF process holds open at most by default (MAX_OPEN_STREAMS; each holds ~19 KB of heap: `pnpm bench streams`). */
const MAX_STREAMS_PER_PROCESS = 10_000;
/** Seconds a client refused for the process cap is told to wait. */
const STREAMS_FULL_RETRY_AFTER = 30;

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  heartbeatMs: 15_000,
  sessionCheckMs: 5_000,
  resumeLimit: 500,
  maxStreamsPerSession: MAX_STREAMS_PER_SESSION,
  maxStreams: MAX_STREAMS_PER_PROCESS,
};

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
    metrics.openStreams.inc();
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
    metrics.openStreams.dec();
    const list = this.bySession.get(sessionId);
    if (!list) return;
    const i = list.indexOf(slot);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.bySession.delete(sessionId);
  }
}
