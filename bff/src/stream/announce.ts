import { LEDGER_CHANNEL, publish } from '../bus.ts';
import type { LedgerSubscriber } from '../wallet/ledger.ts';

/** Seqs per notification: 400 × up to 16 digits stays well under PostgreSQL's 8000-byte payload limit. */
const NOTIFY_CHUNK = 400;

/** Announces the seqs written to every process's live streams, on commit, in chunks that always fit a notification. */
export const announceEntries: LedgerSubscriber = async (tx, { platformId, customerId, entries }) => {
  for (let i = 0; i < entries.length; i += NOTIFY_CHUNK) {
    await publish(tx, LEDGER_CHANNEL, { p: platformId, c: customerId, s: entries.slice(i, i + NOTIFY_CHUNK).map((r) => r.seq) });
  }
};
