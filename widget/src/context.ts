import { createContext } from '@lit/context';
import type { PortalSession, PortalWallet } from '@credyt/shared';
import type { ApiError, PortalClient } from './api/client.ts';
import type { PortalStream } from './api/stream.ts';
import type { I18n } from './i18n/index.ts';

/** What the root shares with its sections: the API client, the session, the locale's formatters, the wallet. */
export const clientContext = createContext<PortalClient>(Symbol('credyt-client'));
export const sessionContext = createContext<PortalSession>(Symbol('credyt-session'));
export const i18nContext = createContext<I18n>(Symbol('credyt-i18n'));
export const streamContext = createContext<PortalStream>(Symbol('credyt-stream'));
export const walletContext = createContext<WalletState>(Symbol('credyt-wallet'));

/**
 * The wallet, loaded once by the root and kept current by the stream: the wallet section shows it and the
 * other sections read the customer's assets from it.
 */
export interface WalletState {
  status: 'loading' | 'ready' | 'error';
  wallet: PortalWallet | null;
  error: ApiError | null;
  /** Accounts a live update changed a moment ago (highlighted briefly). */
  recentlyUpdated: ReadonlySet<string>;
  reload: () => void;
}
