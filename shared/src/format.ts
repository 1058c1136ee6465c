import { scaleOf } from './money.ts';

/** What formatting needs to know of an asset. */
export interface DisplayAsset {
  code: string;
  precision: number;
  symbol?: string | null;
  label?: string | null;
  fiat: boolean;
}

export interface FormatOptions {
  /** Show every digit the amount has (fees), instead of rounding to the asset's precision (balances). */
  exact?: boolean;
  signDisplay?: 'auto' | 'always' | 'exceptZero' | 'negative' | 'never';
}

/**
 * Formats an exact decimal string. Intl.NumberFormat formats a string operand as an exact decimal, so no
 * digit passes through a binary float.
 */
const formatters = new Map<string, Intl.NumberFormat>();

/** Intl.NumberFormat is costly to build and cheap to reuse: keep one per locale and options. */
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    formatters.set(key, format);
  }
  return format;
}

export function formatAmount(amount: string, asset: DisplayAsset, locale: string, options: FormatOptions = {}): string {
  const digits = options.exact ? Math.max(asset.precision, Math.min(scaleOf(amount), 100)) : asset.precision;
  const base = {
    minimumFractionDigits: asset.precision,
    maximumFractionDigits: digits,
    signDisplay: options.signDisplay ?? 'auto',
  } as const;
  const operand = amount as unknown as number; // Intl accepts decimal strings (ECMA-402 NumberFormat v3).
  if (asset.fiat) {
    return numberFormat(locale, { ...base, style: 'currency', currency: asset.code }).format(operand);
  }
  const number = numberFormat(locale, base).format(operand);
  if (asset.symbol) return `${asset.symbol}${number}`;
  return `${number} ${asset.label ?? asset.code}`;
}
