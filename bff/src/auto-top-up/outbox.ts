import { AUTO_TOP_UP_CHANNEL, publish } from '../bus.ts';
import { autoTopUpAttempts } from '../db/schema/index.ts';
import { newId } from '../ids.ts';
import { DEFAULT_ACCOUNT, type LedgerSubscriber } from '../wallet/ledger.ts';

/**
 * Queues one auto top-up attempt per account whose balance this write took below its threshold, and wakes the
 * workers. The partial unique index on open attempts makes a second one, while the first is pending, a no-op.
 */
export const queueAutoTopUps: LedgerSubscriber = async (tx, appended) => {
  const due = appended.flatMap(({ platformId, customerId, accounts }) =>
    accounts.flatMap(({ name, assetCode, before, after, autoTopUp: s }) =>
      name === DEFAULT_ACCOUNT && s?.enabled && !s.paused && s.paymentMethodId && after.lessThan(before) && after.lessThan(s.threshold)
        ? [{ id: newId('att'), platformId, customerId, assetCode, status: 'queued' as const }]
        : [],
    ),
  );
  if (due.length === 0) return;
  const queued = await tx.insert(autoTopUpAttempts).values(due).onConflictDoNothing().returning({ id: autoTopUpAttempts.id });
  if (queued.length > 0) await publish(tx, AUTO_TOP_UP_CHANNEL, undefined);
};
