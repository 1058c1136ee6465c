import { CredytBillingPortal } from './credyt-billing-portal.ts';
import { WalletSection } from './sections/wallet.ts';
import type { TopUpSection } from './sections/top-up.ts';
import type { AutoTopUpSection } from './sections/auto-top-up.ts';
import type { CheckoutReturnBanner } from './sections/checkout-return.ts';
import type { SpendSection } from './sections/spend.ts';
import type { UsageSection } from './sections/usage.ts';
import type { TransactionsSection } from './sections/transactions.ts';
import { loadSections } from './sections/load.ts';
import { VERSION } from './version.ts';

/**
 * The tags the initial module defines: what paints the first balances. The other sections (sections/lazy.ts) are
 * a chunk of their own, loaded as soon as this runs. Sections are internal, but custom element names are global,
 * hence the prefix.
 */
export const TAGS = {
  'credyt-billing-portal': CredytBillingPortal,
  'credyt-portal-wallet': WalletSection,
} as const;

const VERSION_KEY = Symbol.for('credyt-billing-portal.version');

/**
 * Registers the elements once per page. The element lives on other people's pages, where a second copy of this
 * bundle (another version, or the same one loaded twice) must not throw; the first copy wins and a version
 * mismatch is reported once.
 */
export function defineElements(registry: CustomElementRegistry = customElements): void {
  const globals = globalThis as { [VERSION_KEY]?: string };
  const registered = globals[VERSION_KEY];
  if (registered !== undefined && registered !== VERSION) {
    console.warn(`<credyt-billing-portal> ${registered} is already registered on this page; ignoring version ${VERSION}.`);
  }
  globals[VERSION_KEY] ??= VERSION;
  for (const [tag, element] of Object.entries(TAGS)) {
    if (!registry.get(tag)) registry.define(tag, element);
  }
  // The root shows these sections once they are here; a failed download is retried when it asks.
  loadSections(registry).catch(() => undefined);
}

declare global {
  interface HTMLElementTagNameMap {
    'credyt-billing-portal': CredytBillingPortal;
    'credyt-portal-wallet': WalletSection;
    'credyt-portal-top-up': TopUpSection;
    'credyt-portal-auto-top-up': AutoTopUpSection;
    'credyt-portal-checkout-return': CheckoutReturnBanner;
    'credyt-portal-spend': SpendSection;
    'credyt-portal-usage': UsageSection;
    'credyt-portal-transactions': TransactionsSection;
  }
}
