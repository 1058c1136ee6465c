/**
 * The sections after the balances, in a chunk of their own: the initial module carries only what paints the first
 * balances (the root and the wallet), and this chunk downloads while the link is being exchanged.
 */
import { TopUpSection } from './top-up.ts';
import { AutoTopUpSection } from './auto-top-up.ts';
import { CheckoutReturnBanner } from './checkout-return.ts';
import { SpendSection } from './spend.ts';
import { UsageSection } from './usage.ts';
import { TransactionsSection } from './transactions.ts';

export const LAZY_TAGS = {
  'credyt-portal-top-up': TopUpSection,
  'credyt-portal-auto-top-up': AutoTopUpSection,
  'credyt-portal-checkout-return': CheckoutReturnBanner,
  'credyt-portal-spend': SpendSection,
  'credyt-portal-usage': UsageSection,
  'credyt-portal-transactions': TransactionsSection,
} as const;

export function defineSections(registry: CustomElementRegistry): void {
  for (const [tag, element] of Object.entries(LAZY_TAGS)) {
    if (!registry.get(tag)) registry.define(tag, element);
  }
}
