import { and, eq } from 'drizzle-orm';
import { type Database, type Transaction, transact } from '../db/client.ts';
import { idempotencyKeys } from '../db/schema/index.ts';
import { conflict } from '../http/problem.ts';

export interface IdempotentWrite<T> {
  platformId: string;
  scope: string;
  key: string;
  requestHash: string;
  status: number;
  run: (tx: Transaction) => Promise<T>;
}

/**
 * Runs `run` once per (platform, scope, key). The key is claimed in the same transaction as the write, so a
 * concurrent duplicate waits on the claim and then replays the first answer; the same key with another request
 * is a 409. A failed write releases the key with its rollback.
 */
export async function idempotent<T>(db: Database, write: IdempotentWrite<T>): Promise<T> {
  return transact(db, async (tx) => {
    const claimed = await tx
      .insert(idempotencyKeys)
      .values({
        platformId: write.platformId,
        scope: write.scope,
        key: write.key,
        requestHash: write.requestHash,
        status: write.status,
        response: {},
      })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (claimed.length === 0) {
      const [previous] = await tx
        .select()
        .from(idempotencyKeys)
        .where(
          and(eq(idempotencyKeys.platformId, write.platformId), eq(idempotencyKeys.scope, write.scope), eq(idempotencyKeys.key, write.key)),
        );
      if (!previous || previous.requestHash !== write.requestHash)
        throw conflict(`The idempotency key ${write.key} was already used with a different request.`);
      return previous.response as T;
    }
    const response = await write.run(tx);
    await tx
      .update(idempotencyKeys)
      .set({ response: response as Record<string, unknown> })
      .where(
        and(eq(idempotencyKeys.platformId, write.platformId), eq(idempotencyKeys.scope, write.scope), eq(idempotencyKeys.key, write.key)),
      );
    return response;
  });
}
