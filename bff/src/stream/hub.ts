import type { DatabaseHandle } from '../db/client.ts';
import { LEDGER_CHANNEL, subscribe, TOP_UP_CHANNEL, type ChannelPayload } from '../bus.ts';
import type { EntryRow } from '../wallet/ledger.ts';
import type { Logger } from '../log.ts';
import { entriesBySeq } from './service.ts';

/** One ledger write of one customer, as the `credyt_ledger` notification announces it. */
export interface LedgerBatch {
  platformId: string;
  customerId: string;
  seqs: number[];
  /** The entries written, by seq: read once per notification, however many streams the customer has open. */
  entries(): Promise<EntryRow[]>;
  /** Any other read the streams of this customer share for this notification (e.g. the wallet in a time zone). */
  shared<T>(key: string, load: () => Promise<T>): Promise<T>;
}

export type BatchListener = (batch: LedgerBatch) => void;

export type TopUpNotice = Omit<ChannelPayload<typeof TOP_UP_CHANNEL>, 'c'>;

/**
 * The one `LISTEN credyt_ledger` of this process, fanned out to the open streams by customer id. Every BFF
 * process has its own, so a write through any process reaches the streams open on all of them.
 */
export class LedgerHub {
  private readonly listeners = new Map<string, Set<BatchListener>>();
  private readonly topUpListeners = new Map<string, Set<(update: TopUpNotice) => void>>();
  private listening: Promise<() => Promise<void>> | null = null;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly logger: Logger,
  ) {}

  /** Resolves once notifications flow, so that nothing committed after it resolves can be missed. */
  async subscribe(customerId: string, listener: BatchListener): Promise<() => void> {
    await this.start();
    let set = this.listeners.get(customerId);
    if (!set) this.listeners.set(customerId, (set = new Set()));
    set.add(listener);
    return () => {
      const current = this.listeners.get(customerId);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(customerId);
    };
  }

  /** Open streams, for tests and metrics. */
  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Top-up status changes of one customer (`top_up.updated`), from the payments channel. */
  async subscribeTopUps(customerId: string, listener: (update: TopUpNotice) => void): Promise<() => void> {
    await this.start();
    let set = this.topUpListeners.get(customerId);
    if (!set) this.topUpListeners.set(customerId, (set = new Set()));
    set.add(listener);
    return () => {
      const current = this.topUpListeners.get(customerId);
      current?.delete(listener);
      if (current?.size === 0) this.topUpListeners.delete(customerId);
    };
  }

  private dispatchTopUp(notice: ChannelPayload<typeof TOP_UP_CHANNEL>): void {
    for (const listener of this.topUpListeners.get(notice.c) ?? []) {
      const { c: _customer, ...update } = notice;
      listener(update);
    }
  }

  /** Resolves once this process LISTENs; a stream that awaits it before answering cannot miss a later write. */
  start(): Promise<unknown> {
    if (!this.listening) {
      this.listening = Promise.all([
        subscribe(this.database, LEDGER_CHANNEL, (notice) => this.dispatch(notice)),
        subscribe(this.database, TOP_UP_CHANNEL, (notice) => this.dispatchTopUp(notice)),
      ]).then(([a, b]) => async () => {
        await a();
        await b();
      });
      this.listening.catch((err: unknown) => {
        this.listening = null;
        this.logger.error('ledger listen failed', { error: String(err) });
      });
    }
    return this.listening;
  }

  private dispatch(notice: ChannelPayload<typeof LEDGER_CHANNEL>): void {
    const set = this.listeners.get(notice.c);
    if (!set || set.size === 0 || notice.s.length === 0) return;
    const memo = new Map<string, Promise<unknown>>();
    const shared = <T>(key: string, load: () => Promise<T>): Promise<T> => {
      let value = memo.get(key) as Promise<T> | undefined;
      if (!value) memo.set(key, (value = load()));
      return value;
    };
    const db = this.database.db;
    const batch: LedgerBatch = {
      platformId: notice.p,
      customerId: notice.c,
      seqs: notice.s,
      entries: () => shared('entries', () => entriesBySeq(db, notice.p, notice.c, notice.s)),
      shared,
    };
    for (const listener of set) {
      try {
        listener(batch);
      } catch (err) {
        this.logger.error('stream listener failed', { error: String(err) });
      }
    }
  }
}
