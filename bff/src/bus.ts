import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { TopUpStatus, TopUpUpdated } from '@credyt/shared';
import type { DatabaseHandle, Executor } from './db/client.ts';

/**
 * The PostgreSQL NOTIFY channels between BFF processes, each with the schema of its payload. A notification is
 * sent in the writer's transaction (so it goes out on commit, never for a rollback) and is parsed on arrival.
 */
export interface Channel<S extends z.ZodType = z.ZodType> {
  name: string;
  schema: S;
}

const channel = <S extends z.ZodType>(name: string, schema: S): Channel<S> => ({ name, schema });

/** Seqs of one ledger write of one customer (`p` platform, `c` customer, `s` seqs), read by the portal's live streams. */
export const LEDGER_CHANNEL = channel('credyt_ledger', z.object({ p: z.string(), c: z.string(), s: z.array(z.number()) }));

/** Wakes the auto top-up workers: an attempt was queued. */
export const AUTO_TOP_UP_CHANNEL = channel('credyt_auto_top_up', z.undefined());

/** Wakes the webhook workers: a delivery was queued. */
export const WEBHOOK_CHANNEL = channel('credyt_webhooks', z.undefined());

/** A top-up changed status: `c` is the customer, the rest is the portal's `top_up.updated` event. */
export const TOP_UP_CHANNEL = channel(
  'credyt_top_up',
  z.object({
    c: z.string(),
    id: z.string(),
    status: TopUpStatus,
    asset: z.string(),
    amount: TopUpUpdated.shape.amount,
    kind: TopUpUpdated.shape.kind,
    fiat_amount: TopUpUpdated.shape.fiat_amount,
    currency: TopUpUpdated.shape.currency,
    receipt_url: TopUpUpdated.shape.receipt_url,
    failure: TopUpUpdated.shape.failure,
  }),
);

/** Revoked portal sessions: `{ "s": sessionId }` or `{ "c": customerId }`. */
export const SESSION_REVOKED_CHANNEL = channel('credyt_session_revoked', z.object({ s: z.string().optional(), c: z.string().optional() }));

export type ChannelPayload<C extends Channel> = z.output<C['schema']>;

/** Sends `payload` on `channel` when `tx` commits (at once outside a transaction). */
export async function publish<C extends Channel>(tx: Executor, channel: C, payload: ChannelPayload<C>): Promise<void> {
  await tx.execute(sql`select pg_notify(${channel.name}, ${payload === undefined ? '' : JSON.stringify(payload)})`);
}

/** Sends every payload on `channel` when `tx` commits, in one statement however many. */
export async function publishAll<C extends Channel>(tx: Executor, channel: C, payloads: ChannelPayload<C>[]): Promise<void> {
  if (payloads.length === 0) return;
  if (payloads.length === 1) return publish(tx, channel, payloads[0]!);
  const texts = payloads.map((p) => (p === undefined ? '' : JSON.stringify(p)));
  await tx.execute(sql`select pg_notify(${channel.name}, t) from json_array_elements_text(${JSON.stringify(texts)}::json) t`);
}

/**
 * Calls `handler` with every parsed payload on `channel`; a payload that does not parse goes to `onInvalid`.
 * Resolves, once this process LISTENs, to the unsubscribe function.
 */
export function subscribe<C extends Channel>(
  database: DatabaseHandle,
  channel: C,
  handler: (payload: ChannelPayload<C>) => void,
  onInvalid: (text: string) => void = () => {},
): Promise<() => Promise<void>> {
  return database.listen(channel.name, (text) => {
    let value: unknown;
    try {
      value = text === '' ? undefined : JSON.parse(text);
    } catch {
      return onInvalid(text);
    }
    const parsed = channel.schema.safeParse(value);
    if (parsed.success) handler(parsed.data as ChannelPayload<C>);
    else onInvalid(text);
  });
}
