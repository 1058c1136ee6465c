import { SESSION_REVOKED_CHANNEL, subscribe, type ChannelPayload } from '../bus.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { Logger } from '../log.ts';
import type { SessionLookup } from './context.ts';

export type RevokedNotice = ChannelPayload<typeof SESSION_REVOKED_CHANNEL>;

/**
 * Access-token lookups, kept for a few seconds so a portal read costs one query, not two. Never the data a
 * session reads (balances are always live), only who the session is. Expiry is still judged on every request;
 * revocation evicts at once in the revoking process and, through NOTIFY, within milliseconds in the others;
 * the TTL bounds what a lost notification could leave behind.
 */
export class SessionCache {
  private readonly entries = new Map<string, { lookup: SessionLookup; at: number }>();
  private listening: Promise<unknown> | null = null;
  private readonly subscribers = new Set<(notice: RevokedNotice) => void>();

  constructor(
    private ttlMs = 5_000,
    private readonly max = 10_000,
  ) {}

  get(tokenHash: string): SessionLookup | undefined {
    const hit = this.entries.get(tokenHash);
    if (!hit) return undefined;
    if (Date.now() - hit.at > this.ttlMs || hit.lookup.session.revokedAt) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return hit.lookup;
  }

  set(tokenHash: string, lookup: SessionLookup): void {
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(tokenHash, { lookup, at: Date.now() });
  }

  evict(notice: RevokedNotice): void {
    for (const [hash, { lookup }] of this.entries) {
      if (lookup.session.id === notice.s || lookup.session.customerId === notice.c) this.entries.delete(hash);
    }
    for (const subscriber of this.subscribers) subscriber(notice);
  }

  /** Called on every revocation this process learns of (its own, or another's through NOTIFY). */
  onRevoked(subscriber: (notice: RevokedNotice) => void): void {
    this.subscribers.add(subscriber);
  }

  /** Evicts what other processes revoke. */
  listen(database: DatabaseHandle, logger: Logger): Promise<unknown> {
    this.listening ??= subscribe(
      database,
      SESSION_REVOKED_CHANNEL,
      (notice) => this.evict(notice),
      () => this.entries.clear(),
    ).catch((err: unknown) => {
      this.listening = null;
      this.ttlMs = 0; // without notifications, never trust a cached session
      logger.error('session revocation listen failed', { error: String(err) });
    });
    return this.listening;
  }
}
