import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { Database } from '../db/client.ts';
import { ProblemError } from '../http/problem.ts';
import type { PortalEnv, PlatformRow } from './context.ts';
import { lookupSession } from './portal.routes.ts';
import { allowedByAnyPlatform, platformOfLinkToken } from './service.ts';

/** The platform of the link an exchange's body carries; a body without a plausible token names none. */
async function platformOfLink(db: Database, body: unknown): Promise<PlatformRow | null> {
  const token = body && typeof body === 'object' ? (body as { token?: unknown }).token : undefined;
  if (typeof token !== 'string' || token.length === 0 || token.length > 200) return null;
  return platformOfLinkToken(db, token);
}

/**
 * CORS of `/portal/api/*`: a request is granted only for an origin its own platform lists in `allowed_origins`
 * (the platform of the access token, or of the link being exchanged). A preflight, or a request whose token
 * names no session, is granted for an origin some platform lists, so the widget can read the 401 problem; the
 * real request is then judged against its own platform. Never `*`, never credentials: the cookie is same-site.
 */
export function portalCors(db: Database, publicUrl?: string): MiddlewareHandler<PortalEnv> {
  const ownOrigin = publicUrl ? new URL(publicUrl).origin.toLowerCase() : null;
  const grant = cors({
    origin: async (origin, c) => {
      const wanted = origin.toLowerCase();
      if (!/^https?:\/\/[^/\s]+$/.test(wanted)) return null;
      let platform: PlatformRow | null = null;
      if (c.req.method !== 'OPTIONS') {
        const found = await lookupSession(db, c);
        platform = found?.platform ?? null;
        if (!platform && c.req.method === 'POST' && c.req.path.endsWith('/api/session')) {
          platform = await platformOfLink(db, await c.req.json().catch(() => null));
        }
      }
      if (platform) return platform.portalConfig.allowed_origins.includes(wanted) ? origin : null;
      return (await allowedByAnyPlatform(db, wanted)) ? origin : null;
    },
    allowMethods: ['GET', 'POST', 'PUT', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'Last-Event-ID'],
    exposeHeaders: ['Content-Disposition'],
    maxAge: 600,
  }) as MiddlewareHandler<PortalEnv>;
  // A request without Origin (same-origin GET, a server, a script) has nothing to grant, so it skips the work;
  // `Vary: Origin` is moot there: every portal API answer is `no-store`.
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined) return next();
    // A link signs in once: a page its platform does not list must not use it up, so it is refused before redeeming.
    if (c.req.method === 'POST' && c.req.path.endsWith('/api/session') && origin.toLowerCase() !== ownOrigin) {
      const platform = await platformOfLink(db, await c.req.json().catch(() => null));
      if (platform && !platform.portalConfig.allowed_origins.includes(origin.toLowerCase())) {
        throw new ProblemError(
          403,
          `The origin ${origin} is not allowed to open this portal; the platform lists its origins in allowed_origins.`,
        );
      }
    }
    return grant(c, next);
  };
}
