import type { PortalAsset, SpendInterval } from '@credyt/shared';
import { compareDecimal, isDecimal, isNegativeDecimal, isZeroDecimal } from '../decimal.ts';
import { en, type MessageKey, type Messages } from './en.ts';

export type { MessageKey, Messages };

/** What the formatters need to know about an asset; a bare code is formatted as a currency when Intl knows it. */
export type AssetDisplay = Pick<PortalAsset, 'code' | 'symbol' | 'label' | 'precision' | 'fiat'>;

interface Catalog {
  dir: 'ltr' | 'rtl';
  load: () => Promise<Messages>;
}

/** English ships in the main module; the others are small chunks loaded on demand. */
const CATALOGS: Record<string, Catalog> = {
  en: { dir: 'ltr', load: async () => en },
  es: { dir: 'ltr', load: () => import('./es.ts').then((m) => m.es) },
  ar: { dir: 'rtl', load: () => import('./ar.ts').then((m) => m.ar) },
};

/** The first well-formed locale of the candidates (attribute, session, browser), else English. */
export function resolveLocale(candidates: ReadonlyArray<string | null | undefined>): string {
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      const [canonical] = Intl.getCanonicalLocales(candidate);
      if (canonical) return canonical;
    } catch {
      // Not a BCP 47 tag: try the next candidate.
    }
  }
  return 'en';
}

export async function loadI18n(locale: string): Promise<I18n> {
  const language = new Intl.Locale(locale).language;
  const catalog = CATALOGS[language] ?? CATALOGS.en!;
  return new I18n(locale, await catalog.load(), catalog.dir);
}

const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Messages and every number, amount and date the portal shows, for one locale. */
export class I18n {
  readonly lang: string;
  private readonly numberFormats = new Map<string, Intl.NumberFormat>();
  private readonly dateFormats = new Map<string, Intl.DateTimeFormat>();

  constructor(
    readonly locale: string,
    private readonly messages: Messages,
    readonly dir: 'ltr' | 'rtl',
  ) {
    this.lang = locale;
  }

  t(key: MessageKey, params: Record<string, string | number> = {}): string {
    const template = this.messages[key] ?? en[key];
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  }

  /** An exact decimal string in its asset, rounded for display to the asset's precision. */
  amount(value: string, asset: AssetDisplay | string): string {
    if (!isDecimal(value)) return value; // never throw while rendering; show what the server sent
    const display = typeof asset === 'string' ? assetFromCode(asset) : asset;
    const formatted = this.formatRounded(value, display);
    if (formatted !== null) return formatted;
    // A non-zero amount that rounds to zero (a fee of 0.00000125 USD): say "less than $0.01" rather than "$0.00".
    const smallest = display.precision > 0 ? `0.${'0'.repeat(display.precision - 1)}1` : '1';
    const bound = this.formatRounded(isNegativeDecimal(value) ? `-${smallest}` : smallest, display) ?? smallest;
    return this.t('lessThan', { amount: bound });
  }

  /** The unit a custom asset is counted in ("credits"), or the currency code. */
  unitName(asset: AssetDisplay): string {
    return asset.fiat ? asset.code : (asset.label ?? asset.symbol ?? asset.code);
  }

  dateTime(iso: string): string {
    return this.dateFormat('dt', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
  }

  date(iso: string): string {
    return this.dateFormat('d', { dateStyle: 'medium' }).format(new Date(iso));
  }

  /** `YYYY-MM` as "November 2025". */
  month(yearMonth: string): string {
    const [year, month] = yearMonth.split('-').map(Number);
    return this.dateFormat('m', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
      new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, 1)),
    );
  }

  /** A spend period label: a month (`YYYY-MM`) or the first day of a day or week (`YYYY-MM-DD`). */
  period(period: string, interval: SpendInterval): string {
    const parts = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(period);
    if (!parts) return period;
    const [, year, month, day] = parts;
    if (interval === 'month' || day === undefined) return this.month(`${year}-${month}`);
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    return this.dateFormat('p', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(date);
  }

  private formatRounded(value: string, asset: AssetDisplay): string | null {
    const digits = asset.precision;
    const format = asset.fiat
      ? this.numberFormat(`c:${asset.code}:${digits}`, {
          style: 'currency',
          currency: asset.code,
          minimumFractionDigits: digits,
          maximumFractionDigits: digits,
        })
      : this.numberFormat(`n:${digits}`, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    // Intl formats a decimal string exactly (no float on the way); only display rounding happens here.
    const text = format.format(value as Intl.StringNumericLiteral);
    if (!isZeroDecimal(value) && roundsToZero(value, digits)) return null;
    return asset.fiat ? text : this.t('unitAmount', { amount: text, unit: this.unitName(asset) });
  }

  private numberFormat(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
    let format = this.numberFormats.get(key);
    if (!format) {
      format = new Intl.NumberFormat(this.locale, options);
      this.numberFormats.set(key, format);
    }
    return format;
  }

  private dateFormat(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
    let format = this.dateFormats.get(key);
    if (!format) {
      format = new Intl.DateTimeFormat(this.locale, options);
      this.dateFormats.set(key, format);
    }
    return format;
  }
}

function roundsToZero(value: string, precision: number): boolean {
  const magnitude = value.replace(/^-/, '');
  const half = precision > 0 ? `0.${'0'.repeat(precision)}5` : '0.5';
  return compareDecimal(magnitude, half) < 0;
}

/** What an asset known only by its code looks like: a currency if Intl knows it, else a plain unit. */
export function assetFromCode(code: string): AssetDisplay {
  if (CURRENCIES.has(code)) {
    const precision = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits;
    return { code, symbol: null, label: null, precision: precision ?? 2, fiat: true };
  }
  return { code, symbol: null, label: null, precision: 2, fiat: false };
}
