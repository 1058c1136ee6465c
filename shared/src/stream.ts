import type { z } from 'zod';
import type { PortalAccount, FiatAmount } from './wallet.ts';
import type { UsageItem } from './usage.ts';
import type { Transaction } from './transactions.ts';
import type { TopUpUpdated } from './top-ups.ts';

/** Server-sent events of `GET /portal/api/stream`, by event name. */
export interface StreamEvents {
  'wallet.updated': { account: PortalAccount; spent_this_month: FiatAmount };
  'usage.created': UsageItem;
  'transaction.created': Transaction;
  'top_up.updated': z.infer<typeof TopUpUpdated>;
}
export type StreamEventName = keyof StreamEvents;
