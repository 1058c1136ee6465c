// Credit grants: each credit that adds to a balance, with its purpose and expiry (https://docs.dev.credyt.ai/features/credit-grants).
// Owns `credit_grants`; written in the transaction of the credit's ledger entry. Spending them in order and their expiry
// come with the grants issue.
import type { Executor } from '../db/client.ts';
import { creditGrants, type GrantPurpose } from '../db/schema/index.ts';
import { newId } from '../ids.ts';

/** Credyt: "Paid credit grants have a default expiry of one year." */
export const PAID_GRANT_LIFETIME_MS = 365 * 86_400_000;

export interface GrantInput {
  platformId: string;
  customerId: string;
  accountName: string;
  assetCode: string;
  /** Positive, exact text: the credit's amount. */
  amount: string;
  purpose: GrantPurpose;
  expiresAt: Date | null;
  /** The credit's ledger source, one grant per credit (a replay writes none). */
  source: string;
  entryId: string;
}

export async function recordGrant(tx: Executor, grant: GrantInput): Promise<void> {
  await tx
    .insert(creditGrants)
    .values({ id: newId('grt'), ...grant })
    .onConflictDoNothing();
}
