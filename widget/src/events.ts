import type { PortalSession, Problem } from '@credyt/shared';

export interface ReadyDetail {
  session: PortalSession;
}

export interface SessionExpiredDetail {
  /** True when the host set `fetchToken` and the portal is asking it for a fresh link. */
  renewing: boolean;
}

export interface TopUpStartedDetail {
  id: string;
  asset: string;
  amount: string;
  /** Where the portal is about to send the customer (Stripe Checkout); cancel the event to go there yourself. */
  redirect_url: string;
}

export interface RedirectDetail {
  /** Why the portal leaves the page: `card_setup` is Stripe's page that saves a card for automatic top-up. */
  reason: 'card_setup';
  /** The asset whose automatic top-up needs the card. */
  asset: string;
  /** Where the portal is about to send the customer; cancel the event to go there yourself (e.g. in a popup). */
  url: string;
}

export interface PortalEvents {
  'credyt-ready': ReadyDetail;
  'credyt-session-expired': SessionExpiredDetail;
  'credyt-top-up-started': TopUpStartedDetail;
  'credyt-redirect': RedirectDetail;
  'credyt-error': Problem;
}

declare global {
  interface GlobalEventHandlersEventMap {
    'credyt-ready': CustomEvent<ReadyDetail>;
    'credyt-session-expired': CustomEvent<SessionExpiredDetail>;
    'credyt-top-up-started': CustomEvent<TopUpStartedDetail>;
    'credyt-redirect': CustomEvent<RedirectDetail>;
    'credyt-error': CustomEvent<Problem>;
  }
}

/**
 * Dispatches one of the portal's public events: bubbling and composed, so it leaves the shadow roots and reaches
 * the host page. Returns false when a listener cancelled a cancelable event.
 */
export function emit<K extends keyof PortalEvents>(
  target: EventTarget,
  name: K,
  detail: PortalEvents[K],
  options: { cancelable?: boolean } = {},
): boolean {
  return target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true, cancelable: options.cancelable ?? false }));
}
