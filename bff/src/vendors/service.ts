// Vendors: who a platform buys from, named by the platform's own external id. Owns `vendors`.
import { and, asc, count, eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { vendors } from '../db/schema/index.ts';
import type { Page, PageRequest } from '../http/paging.ts';
import { conflict, notFound } from '../http/problem.ts';
import { newId } from '../ids.ts';

export type VendorRow = typeof vendors.$inferSelect;

export async function createVendor(db: Database, platformId: string, body: { name: string; external_id: string }): Promise<VendorRow> {
  const [row] = await db
    .insert(vendors)
    .values({ id: newId('vnd'), platformId, name: body.name, externalId: body.external_id })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict(`A vendor with external_id ${body.external_id} already exists.`, [{ path: 'external_id', message: 'is taken' }]);
  return row;
}

/** A page of the platform's vendors, oldest first; `external_id` narrows to one. */
export async function listVendors(
  db: Database,
  platformId: string,
  query: PageRequest & { external_id?: string | undefined },
): Promise<Page<VendorRow>> {
  const where = and(eq(vendors.platformId, platformId), query.external_id ? eq(vendors.externalId, query.external_id) : undefined);
  const [rows, [total]] = await Promise.all([
    db.select().from(vendors).where(where).orderBy(asc(vendors.createdAt), asc(vendors.id)).limit(query.limit).offset(query.offset),
    db.select({ n: count() }).from(vendors).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** One of the platform's vendors: another platform's is as unknown as a made-up one. */
export async function vendorOf(db: Database, platformId: string, id: string): Promise<VendorRow> {
  const [row] = await db
    .select()
    .from(vendors)
    .where(and(eq(vendors.platformId, platformId), eq(vendors.id, id)));
  if (!row) throw notFound('The vendor');
  return row;
}
