import { queueAutoTopUps } from './auto-top-up/outbox.ts';
import { rollUpSpend } from './spend/rollup.ts';
import { announceEntries } from './stream/announce.ts';
import { Ledger } from './wallet/ledger.ts';

/** The ledger with what follows every write, in this order: spend rollups, the auto top-up outbox, the notification. */
export function createLedger(): Ledger {
  return new Ledger([rollUpSpend, queueAutoTopUps, announceEntries]);
}
