// The words the BFF writes for an entry when its caller gives none, shared with the portal, which shows the category
// in the customer's language instead. No dependencies: the widget imports it (`@credyt/shared/descriptions`).
import type { Category } from './transactions.ts';

/**
 * The descriptions the BFF writes when a caller gives none: English words for what the category already says. The
 * portal shows the category in the customer's language instead (see `isGenericDescription`); the platform API and
 * the CSV export keep the stored text.
 */
export const GENERIC_DESCRIPTIONS = {
  top_up: 'Top-up',
  auto_top_up: 'Auto top-up',
  refund: 'Refund',
  gift: 'Gift',
  fee: 'Fee',
  adjustment: 'Adjustment',
} as const satisfies Partial<Record<Category, string>>;

/** A top-up bought in the portal (or through the API without a description): "US Dollar top-up". */
export const topUpDescription = (assetName: string) => `${assetName} top-up`;

/** Whether `description` is the BFF's own wording for the entry's category (for a top-up, of its asset's name). */
export function isGenericDescription(category: Category, description: string, assetName?: string): boolean {
  const generic = (GENERIC_DESCRIPTIONS as Partial<Record<Category, string>>)[category];
  if (description === generic) return true;
  return category === 'top_up' && assetName !== undefined && description === topUpDescription(assetName);
}
