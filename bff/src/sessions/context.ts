import type { SessionCache } from './session-cache.ts';
import type { customers, platforms, portalSessions } from '../db/schema/index.ts';

export type PlatformRow = typeof platforms.$inferSelect;

/** The signed-in customer's session: every portal query is scoped by `customerId`, read from here only. */
export interface PortalSessionInfo {
  sessionId: string;
  platform: PlatformRow;
  customer: Pick<typeof customers.$inferSelect, 'id' | 'name' | 'email'>;
  customerId: string;
  returnUrl: string;
  locale: string | null;
  expiresAt: Date;
}

/** A session row found by its access token, before expiry and revocation are judged. */
export interface SessionLookup {
  session: typeof portalSessions.$inferSelect;
  platform: PlatformRow;
  customer: PortalSessionInfo['customer'];
}

export interface PortalEnv {
  Variables: {
    portal: PortalSessionInfo;
    /** Memo of the access-token lookup, shared by the CORS check and `requirePortalSession`: one query. */
    portalLookup: Promise<SessionLookup | null>;
    /** This process's short-lived cache of access-token lookups (see session-cache.ts), set by the app. */
    sessionCache: SessionCache | undefined;
  };
}
