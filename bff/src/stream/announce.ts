import { LEDGER_CHANNEL, publishAll, type ChannelPayload } from '../bus.ts';
import type { LedgerSubscriber } from '../wallet/ledger.ts';

/** Seqs per notification: 400 × up to 16 digits stays well under PostgreSQL's 8000-byte payload limit. */
const NOTIFY_CHUNK = 400;

/**
 * Announces the seqs written to every process's live streams, on commit: one notification per customer (in chunks
 * that always fit one), all sent by one statement.
 */
export const announceEntries: LedgerSubscriber = async (tx, appended) => {
  const notices: ChannelPayload<typeof LEDGER_CHANNEL>[] = [];
  for (const { platformId, customerId, entries } of appended) {
    for (let i = 0; i < entries.length; i += NOTIFY_CHUNK) {
      notices.push({ p: platformId, c: customerId, s: entries.slice(i, i + NOTIFY_CHUNK).map((r) => r.seq) });
    }
  }
  await publishAll(tx, LEDGER_CHANNEL, notices);
};
