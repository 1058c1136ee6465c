import type { MiddlewareHandler } from 'hono';
import { sql } from 'drizzle-orm';
import { preparedRows, type Database } from '../db/client.ts';
import { apiKeys, platforms } from '../db/schema/index.ts';
import { sha256 } from '../ids.ts';
import { unauthorized } from '../http/problem.ts';
import type { RateLimiter } from '../http/rate-limit.ts';

export type PlatformRow = typeof platforms.$inferSelect;
export interface PlatformEnv {
  Variables: { platform: PlatformRow };
}

/** The platform of a live key, by the key's digest: read on every platform request, so a prepared statement. */
const platformByKey = preparedRows<{
  id: string;
  name: string;
  currency: string;
  portal_config: PlatformRow['portalConfig'];
  top_up_minimum: string;
  top_up_maximum: string;
  created_at: string;
}>(sql`
  select p.id, p.name, p.currency, p.portal_config, p.top_up_minimum::text as top_up_minimum,
    p.top_up_maximum::text as top_up_maximum, to_json(p.created_at)#>>'{}' as created_at
  from ${apiKeys} k join ${platforms} p on p.id = k.platform_id
  where k.key_hash = ${sql.placeholder('hash')} and k.revoked_at is null`);

/** `X-Credyt-Api-Key`: the key's digest names the platform every query of the request is scoped to. */
export function requireApiKey(db: Database): MiddlewareHandler<PlatformEnv> {
  return async (c, next) => {
    const key = c.req.header('x-credyt-api-key');
    if (!key) throw unauthorized('Send your API key in the X-Credyt-Api-Key header.');
    // An address that guessed too many keys is turned away before the lookup; a valid key costs nothing extra.
    const limiter = c.get('rateLimiter') as RateLimiter | undefined;
    limiter?.checkFailures(c);
    const [row] = await platformByKey(db, { hash: sha256(key) });
    if (!row) {
      await limiter?.failed(c);
      throw unauthorized('The API key is not valid.');
    }
    c.set('platform', {
      id: row.id,
      name: row.name,
      currency: row.currency,
      portalConfig: row.portal_config,
      topUpMinimum: row.top_up_minimum,
      topUpMaximum: row.top_up_maximum,
      createdAt: new Date(row.created_at),
    });
    await next();
  };
}
