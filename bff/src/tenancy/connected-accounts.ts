// Connected accounts: the accounts a platform provisions for its own business customers. Owns `connected_accounts`.
import { and, asc, count, eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { connectedAccounts } from '../db/schema/index.ts';
import type { Page, PageRequest } from '../http/paging.ts';
import { conflict, notFound } from '../http/problem.ts';
import { newId } from '../ids.ts';

export type ConnectedAccountRow = typeof connectedAccounts.$inferSelect;

export interface ConnectedAccountInput {
  name: string;
  external_id?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export async function createConnectedAccount(db: Database, platformId: string, body: ConnectedAccountInput): Promise<ConnectedAccountRow> {
  const [row] = await db
    .insert(connectedAccounts)
    .values({ id: newId('acc'), platformId, name: body.name, externalId: body.external_id ?? null, metadata: body.metadata ?? {} })
    .onConflictDoNothing()
    .returning();
  if (!row)
    throw conflict(`An account with external_id ${body.external_id} already exists.`, [{ path: 'external_id', message: 'is taken' }]);
  return row;
}

/** A page of the platform's connected accounts, oldest first; `external_id` narrows to one. */
export async function listConnectedAccounts(
  db: Database,
  platformId: string,
  query: PageRequest & { external_id?: string | undefined },
): Promise<Page<ConnectedAccountRow>> {
  const where = and(
    eq(connectedAccounts.platformId, platformId),
    query.external_id ? eq(connectedAccounts.externalId, query.external_id) : undefined,
  );
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(connectedAccounts)
      .where(where)
      .orderBy(asc(connectedAccounts.createdAt), asc(connectedAccounts.id))
      .limit(query.limit)
      .offset(query.offset),
    db.select({ n: count() }).from(connectedAccounts).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** One of the platform's connected accounts: another platform's is as unknown as a made-up one. */
export async function connectedAccountOf(db: Database, platformId: string, id: string): Promise<ConnectedAccountRow> {
  const [row] = await db
    .select()
    .from(connectedAccounts)
    .where(and(eq(connectedAccounts.platformId, platformId), eq(connectedAccounts.id, id)));
  if (!row) throw notFound('The account');
  return row;
}
