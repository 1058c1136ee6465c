/** Built-in fiat assets: every ISO 4217 currency the runtime's Intl knows, with its minor-unit precision. */
export interface FiatAsset {
  code: string;
  name: string;
  symbol: string;
  precision: number;
  fiat: true;
}

const displayNames = new Intl.DisplayNames(['en'], { type: 'currency' });
const cache = new Map<string, FiatAsset | null>();

const supportedCurrencies: ReadonlySet<string> = new Set(
  typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency') : ['USD', 'EUR', 'GBP', 'JPY'],
);

export function fiatAsset(code: string): FiatAsset | null {
  const upper = code.toUpperCase();
  if (cache.has(upper)) return cache.get(upper) ?? null;
  let asset: FiatAsset | null = null;
  if (/^[A-Z]{3}$/.test(upper) && supportedCurrencies.has(upper)) {
    const format = new Intl.NumberFormat('en', { style: 'currency', currency: upper });
    const symbol = format.formatToParts(0).find((p) => p.type === 'currency')?.value ?? upper;
    asset = {
      code: upper,
      name: displayNames.of(upper) ?? upper,
      symbol,
      precision: format.resolvedOptions().maximumFractionDigits ?? 2,
      fiat: true,
    };
  }
  cache.set(upper, asset);
  return asset;
}

export function isFiatCode(code: string): boolean {
  return fiatAsset(code) !== null;
}

/** Custom asset codes: 2–16 characters, upper-case letters, digits and underscores, starting with a letter. */
export const ASSET_CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,15}$/;
