import type { PortalAsset, SpendInterval } from '@credyt/shared';
import { addDecimal, compareDecimal, isDecimal, isNegativeDecimal, isZeroDecimal } from '../decimal.ts';
import { en, type MessageKey, type Messages } from './en.ts';

export type { MessageKey, Messages };

/**
 * What the formatters need to know about an asset; a bare code is formatted as a currency when Intl knows it.
 * `label` is the plural unit ("image credits"); `label_singular`, when the platform gave one, the singular.
 */
export type AssetDisplay = Pick<PortalAsset, 'code' | 'symbol' | 'label' | 'precision' | 'fiat'> &
  Partial<Pick<PortalAsset, 'label_singular'>>;

/** An amount split for display: the figure ("479", "$64.31") and, for a custom unit, the unit ("image credits"). */
export interface AmountParts {
  figure: string;
  unit: string | null;
  /** The catalog puts the unit before the figure (`unitAmount` reads "{unit} {amount}"). */
  unitFirst: boolean;
}

/**
 * Unicode isolates (UAX #9). In a right-to-left page each amount is one isolated run, so its sign, digits and
 * currency stay together and in order: Intl's `ar` "‏‎-0.12 US$" otherwise renders as "$-0.12 US", the trailing
 * "$" being neutral and joining the Arabic text around it.
 */
const LRI = '\u2066';
const RLI = '\u2067';
const FSI = '\u2068';
const PDI = '\u2069';
const LRM = '\u200e';
const NBSP = '\u00a0';
/** Whitespace a line may break at (every kind but the no-break spaces). */
const BREAKING_SPACE = /[^\S\u00a0\u202f\u2007]/g;
/** The directional marks Intl puts in right-to-left patterns (LRM, RLM, ALM); an isolate replaces them. */
const BIDI_MARKS = /[\u200e\u200f\u061c]/g;

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

function catalogOf(locale: string): Catalog {
  return CATALOGS[new Intl.Locale(locale).language] ?? CATALOGS.en!;
}

export async function loadI18n(locale: string): Promise<I18n> {
  const catalog = catalogOf(locale);
  return new I18n(locale, await catalog.load(), catalog.dir);
}

/** The direction the locale's catalog is written in, known before the catalog is loaded. */
export function directionOf(locale: string): 'ltr' | 'rtl' {
  return catalogOf(locale).dir;
}

const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Messages and every number, amount and date the portal shows, for one locale. */
export class I18n {
  readonly lang: string;
  private readonly numberFormats = new Map<string, Intl.NumberFormat>();
  private readonly dateFormats = new Map<string, Intl.DateTimeFormat>();
  private readonly pluralRules = new Map<number, Intl.PluralRules>();
  private currencyNames: Intl.DisplayNames | undefined;

  constructor(
    readonly locale: string,
    private readonly messages: Messages,
    readonly dir: 'ltr' | 'rtl',
    /** False for a stand-in (English words, the locale's direction) while the locale's catalog loads. */
    readonly complete = true,
  ) {
    this.lang = locale;
  }

  t(key: MessageKey, params: Record<string, string | number> = {}): string {
    const template = this.messages[key] ?? en[key];
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  }

  /**
   * An exact decimal string in its asset, rounded for display to the asset's precision, with the locale's
   * separators and, for a custom unit, the unit in the plural the figure takes ("1 image credit", "2 image credits").
   * In a right-to-left locale the result is isolated (see `isolate`), so it reads correctly inside any sentence.
   */
  amount(value: string, asset: AssetDisplay | string): string {
    const parts = this.amountParts(value, asset);
    if (parts.unit === null) return parts.figure;
    const text = this.t('unitAmount', { amount: parts.figure, unit: parts.unit });
    return this.dir === 'rtl' ? FSI + text + PDI : text;
  }

  /**
   * The amount in two parts, for a layout that sets the figure large and the unit beside it (the wallet's cards).
   * A non-zero amount that rounds to zero (a fee of 0.00000125 USD) is "less than $0.01" as one figure.
   */
  amountParts(value: string, asset: AssetDisplay | string): AmountParts {
    const unitFirst = this.unitFirst();
    if (!isDecimal(value)) return { figure: value, unit: null, unitFirst }; // never throw while rendering
    const display = typeof asset === 'string' ? assetFromCode(asset) : asset;
    const rounded = this.formatRounded(value, display);
    if (rounded !== null) return { figure: rounded, unit: display.fiat ? null : this.unitName(display, value), unitFirst };
    const smallest = display.precision > 0 ? `0.${'0'.repeat(display.precision - 1)}1` : '1';
    const bound = isNegativeDecimal(value) ? `-${smallest}` : smallest;
    const figure = this.formatRounded(bound, display) ?? smallest;
    const text = display.fiat ? figure : this.t('unitAmount', { amount: figure, unit: this.unitName(display, bound) });
    const less = this.t('lessThan', { amount: text });
    return { figure: this.dir === 'rtl' ? FSI + less + PDI : less, unit: null, unitFirst };
  }

  /**
   * An asset's name as the customer reads it: a currency (ISO 4217) in their language ("dólar estadounidense",
   * "دولار أمريكي"), from Intl; a custom asset by the platform's name ("Credits"). `standalone` (a card's title, an
   * option, a legend) starts with a capital where the language has one: "Dólar estadounidense".
   */
  assetName(asset: Pick<PortalAsset, 'code' | 'name' | 'fiat'>, standalone = true): string {
    const name = asset.fiat ? (this.currencyName(asset.code) ?? asset.name) : asset.name;
    return standalone ? name.charAt(0).toLocaleUpperCase(this.locale) + name.slice(1) : name;
  }

  private currencyName(code: string): string | null {
    if (!CURRENCIES.has(code)) return null;
    try {
      this.currencyNames ??= new Intl.DisplayNames(this.locale, { type: 'currency', fallback: 'none' });
      return this.currencyNames.of(code) ?? null;
    } catch {
      return null;
    }
  }

  /**
   * The unit a custom asset is counted in, or the currency code. Given the amount, in the plural it takes in this
   * locale (`Intl.PluralRules`): the singular label for "one", else the label.
   */
  unitName(asset: AssetDisplay, value?: string): string {
    if (asset.fiat) return asset.code;
    const plural = asset.label ?? asset.symbol ?? asset.code;
    if (value === undefined || !asset.label || !isDecimal(value)) return plural;
    if (this.pluralCategory(value, asset.precision) !== 'one') return plural;
    return asset.label_singular ?? singularOf(asset.label);
  }

  /** A count or quantity (not money) with the locale's separators: "12,345" in English, "12.345" in Spanish. */
  number(value: string | number, maximumFractionDigits = 20): string {
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof value === 'string' && !isDecimal(value)) return value;
    const formatted = this.numberFormat(`q:${maximumFractionDigits}`, { maximumFractionDigits }).format(text as Intl.StringNumericLiteral);
    return this.isolate(formatted);
  }

  /**
   * A formatted number as one run in a right-to-left page. With Latin digits it reads left to right, sign first:
   * "-0.12 US$", "1,250". With the locale's own digits (`ar-EG`) the pattern's right-to-left order is kept, and
   * the LRM at the end holds a Latin currency symbol ("US$") to it.
   */
  private isolate(formatted: string): string {
    if (this.dir !== 'rtl') return formatted;
    return /[0-9]/.test(formatted) ? LRI + formatted.replace(BIDI_MARKS, '') + PDI : RLI + formatted + LRM + PDI;
  }

  /**
   * A moment as "Dec 3, 12:40 PM" ("Dec 3, 2025, 12:40 PM" in another year), in the reader's time zone. It may
   * wrap only between the date and the time: never inside the time ("12:40 / PM", an Arabic "م" alone on a line).
   */
  dateTime(iso: string, now: Date = new Date()): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const thisYear = date.getFullYear() === now.getFullYear();
    const format = this.dateFormat(thisYear ? 'dt' : 'dty', {
      month: 'short',
      day: 'numeric',
      ...(thisYear ? {} : { year: 'numeric' }),
      hour: 'numeric',
      minute: '2-digit',
    });
    const parts = format.formatToParts(date);
    const hour = parts.findIndex((part) => part.type === 'hour');
    return parts.map((part, i) => (i === hour - 1 ? part.value : part.value.replace(BREAKING_SPACE, NBSP))).join('');
  }

  /** A calendar day (`YYYY-MM-DD`) as "Dec 3" ("Nov 28, 2025" in another year), the day it names in any time zone. */
  day(day: string, now: Date = new Date()): string {
    const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
    if (!parts) return day;
    const [year, month, date] = parts.slice(1).map(Number) as [number, number, number];
    const thisYear = year === now.getFullYear();
    const format = this.dateFormat(thisYear ? 'day' : 'dayy', {
      month: 'short',
      day: 'numeric',
      ...(thisYear ? {} : { year: 'numeric' }),
      timeZone: 'UTC',
    });
    return format.format(new Date(Date.UTC(year, month - 1, date)));
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

  /** The CLDR plural category of `value` as displayed at `precision` digits ("1" → one, "1.00" → other in English). */
  private pluralCategory(value: string, precision: number): Intl.LDMLPluralRule {
    let rules = this.pluralRules.get(precision);
    if (!rules) {
      rules = new Intl.PluralRules(this.locale, { minimumFractionDigits: precision, maximumFractionDigits: precision });
      this.pluralRules.set(precision, rules);
    }
    return rules.select(pluralOperand(value, precision));
  }

  private unitFirst(): boolean {
    const template = this.messages.unitAmount ?? en.unitAmount;
    return template.indexOf('{unit}') < template.indexOf('{amount}');
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
    return this.isolate(text);
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

/**
 * The number PluralRules sees for a decimal string, rounded half away from zero (as Intl displays it) to
 * `precision` digits and computed on the digits, never through a float of the amount. Rules look at n, n mod 10,
 * n mod 100 and n mod 1,000,000 at most, so a huge integer part keeps its last 14 digits behind a leading 1.
 */
function pluralOperand(value: string, precision: number): number {
  const magnitude = value.replace(/^-/, '');
  const half = precision > 0 ? `0.${'0'.repeat(precision)}5` : '0.5';
  const [whole = '0', fraction = ''] = addDecimal(magnitude, half).split('.');
  const integer = whole.length > 15 ? `1${whole.slice(-14)}` : whole;
  return Number(precision > 0 ? `${integer}.${fraction.slice(0, precision)}` : integer);
}

/**
 * The singular of an English-style plural label, when the platform gave none: "image credits" → "image credit",
 * "GPU hours" → "GPU hour", "queries" → "query", "boxes" → "box". A label that does not look plural stays as it is.
 */
export function singularOf(label: string): string {
  const match = /^(.*?)(\p{L}+)$/u.exec(label);
  if (!match) return label;
  const [, head = '', word = ''] = match;
  if (word.length < 4 || word === word.toUpperCase()) return label;
  if (/[^aeiou]ies$/.test(word)) return `${head}${word.slice(0, -3)}y`;
  if (/(?:ss|x|z|ch|sh)es$/.test(word)) return `${head}${word.slice(0, -2)}`;
  if (/[^su]s$/.test(word) && !/(?:is|us|ss)$/.test(word)) return `${head}${word.slice(0, -1)}`;
  return label;
}

/** What an asset known only by its code looks like: a currency if Intl knows it, else a plain unit. */
export function assetFromCode(code: string): AssetDisplay {
  if (CURRENCIES.has(code)) {
    const precision = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits;
    return { code, symbol: null, label: null, precision: precision ?? 2, fiat: true };
  }
  return { code, symbol: null, label: null, precision: 2, fiat: false };
}
