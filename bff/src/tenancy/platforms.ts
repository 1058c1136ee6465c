import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { apiKeys, platforms, type PortalConfiguration } from '../db/schema/index.ts';
import { newId, sha256 } from '../ids.ts';

function defaultPortalConfiguration(name: string): PortalConfiguration {
  return {
    branding: { name, logo_url: null, primary_color: null, accent_color: null, font_family: null },
    urls: { support_url: null, terms_url: null, product_url: null },
    allowed_origins: [],
    features: { top_up: true, auto_top_up: true, spend_history: true, usage_history: true, transactions: true },
    default_locale: 'en',
  };
}

/** Thrown inside the transaction to roll back its platform: another process's insert of the same key won. */
class KeyTaken extends Error {}

/**
 * Creates a platform owning `apiKey`, unless a platform already owns it. Returns the platform's id. Processes
 * started together with one BOOTSTRAP_API_KEY race here: the loser's insert waits for the winner's commit on the
 * key's unique index, rolls its own platform back, and returns the winner's.
 */
export async function ensurePlatformWithKey(db: Database, apiKey: string, name = 'Platform'): Promise<string> {
  const keyHash = sha256(apiKey);
  const owner = async () => (await db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)))[0]?.platformId;
  try {
    return await db.transaction(async (tx) => {
      const [existing] = await tx.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
      if (existing) return existing.platformId;
      const id = newId('plt');
      await tx.insert(platforms).values({ id, name, portalConfig: defaultPortalConfiguration(name) });
      const inserted = await tx
        .insert(apiKeys)
        .values({ id: newId('key'), platformId: id, keyHash })
        .onConflictDoNothing()
        .returning();
      if (inserted.length === 0) throw new KeyTaken();
      return id;
    });
  } catch (err) {
    if (!(err instanceof KeyTaken)) throw err;
    const winner = await owner();
    if (!winner) throw new Error('the API key was taken by another platform and then removed; start again', { cause: err });
    return winner;
  }
}
