// Stream: the reads behind the portal's live stream, the entries a notification announces or a resume replays, and
// which open streams' sessions were revoked. Owns no table: it reads `entries` and `portal_sessions`.
import { and, asc, eq, gt, inArray, isNotNull } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { entries, portalSessions } from '../db/schema/index.ts';
import type { EntryRow } from '../wallet/ledger.ts';

/** The customer's entries with these seqs, in seq order: what one ledger notification announces. */
export function entriesBySeq(db: Database, platformId: string, customerId: string, seqs: number[]): Promise<EntryRow[]> {
  return db
    .select()
    .from(entries)
    .where(and(eq(entries.customerId, customerId), eq(entries.platformId, platformId), inArray(entries.seq, seqs)))
    .orderBy(asc(entries.seq));
}

/** The customer's entries after `seq`, in seq order, at most `limit`: what a stream resumed from Last-Event-ID replays. */
export function entriesAfter(db: Database, platformId: string, customerId: string, seq: number, limit: number): Promise<EntryRow[]> {
  return db
    .select()
    .from(entries)
    .where(and(eq(entries.customerId, customerId), eq(entries.platformId, platformId), gt(entries.seq, seq)))
    .orderBy(asc(entries.seq))
    .limit(limit);
}

/** Which of these sessions are revoked. */
export async function revokedAmong(db: Database, sessionIds: string[]): Promise<string[]> {
  const rows = await db
    .select({ id: portalSessions.id })
    .from(portalSessions)
    .where(and(inArray(portalSessions.id, sessionIds), isNotNull(portalSessions.revokedAt)));
  return rows.map((r) => r.id);
}

/** Sessions of a customer revoked while still unexpired: checked before each send. */
export async function revokedSessions(db: Database, customerId: string, now: Date): Promise<Set<string>> {
  const rows = await db
    .select({ id: portalSessions.id })
    .from(portalSessions)
    .where(and(eq(portalSessions.customerId, customerId), isNotNull(portalSessions.revokedAt), gt(portalSessions.accessExpiresAt, now)));
  return new Set(rows.map((r) => r.id));
}
