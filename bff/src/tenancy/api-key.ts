import type { MiddlewareHandler } from 'hono';
import { eq, and, isNull } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { apiKeys, platforms } from '../db/schema/index.ts';
import { sha256 } from '../ids.ts';
import { unauthorized } from '../http/problem.ts';
import type { RateLimiter } from '../http/rate-limit.ts';

export type PlatformRow = typeof platforms.$inferSelect;
export interface PlatformEnv {
  Variables: { platform: PlatformRow };
}

/** `X-Credyt-Api-Key`: the key's digest names the platform every query of the request is scoped to. */
export function requireApiKey(db: Database): MiddlewareHandler<PlatformEnv> {
  return async (c, next) => {
    const key = c.req.header('x-credyt-api-key');
    if (!key) throw unauthorized('Send your API key in the X-Credyt-Api-Key header.');
    // An address that guessed too many keys is turned away before the lookup; a valid key costs nothing extra.
    const limiter = c.get('rateLimiter') as RateLimiter | undefined;
    limiter?.checkFailures(c);
    const [row] = await db
      .select({ platform: platforms })
      .from(apiKeys)
      .innerJoin(platforms, eq(apiKeys.platformId, platforms.id))
      .where(and(eq(apiKeys.keyHash, sha256(key)), isNull(apiKeys.revokedAt)));
    if (!row) {
      await limiter?.failed(c);
      throw unauthorized('The API key is not valid.');
    }
    c.set('platform', row.platform);
    await next();
  };
}
