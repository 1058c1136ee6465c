import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { consume } from '@lit/context';
import { state } from 'lit/decorators.js';
import type { ListTotal, PortalAsset, PortalSession, Problem, UsageQuantity, UsageRate } from '@credyt/shared';
import { ApiError, isAbort, type PortalClient } from '../api/client.ts';
import type { PortalStream } from '../api/stream.ts';
import { clientContext, i18nContext, sessionContext, streamContext, walletContext, type WalletState } from '../context.ts';
import { emit } from '../events.ts';
import { isDecimal } from '../decimal.ts';
import { assetFromCode, type I18n, type MessageKey } from '../i18n/index.ts';
import { sectionStyles } from './section.styles.ts';

/**
 * The base of every section: the shared things come down from the root through context, and the states every
 * section shows (loading, empty, error with retry) look the same everywhere.
 */
export abstract class PortalSection extends LitElement {
  static override styles = [sectionStyles];

  @consume({ context: clientContext }) protected client!: PortalClient;
  @consume({ context: i18nContext, subscribe: true }) @state() protected i18n!: I18n;
  @consume({ context: sessionContext, subscribe: true }) @state() protected session!: PortalSession;
  @consume({ context: walletContext, subscribe: true }) @state() protected walletState!: WalletState;
  @consume({ context: streamContext }) protected stream!: PortalStream;

  /** Tells the host page about a failure (`credyt-error`), unless it was only a cancelled request. */
  protected report(error: unknown): void {
    if (isAbort(error)) return;
    emit(this, 'credyt-error', problemOf(error));
  }

  protected renderSkeleton(lines = 3): TemplateResult {
    return html`<div class="skeleton" aria-busy="true">
      <span class="sr-only">${this.i18n.t('loading')}</span>
      ${Array.from({ length: lines }, () => html`<span aria-hidden="true"></span>`)}
    </div>`;
  }

  protected renderError(error: unknown, retry: () => void): TemplateResult {
    const apiError = error instanceof ApiError ? error : null;
    const detail = apiError?.isNetwork ? this.i18n.t('networkError') : apiError?.problem.detail || apiError?.message;
    return html`<div class="error" role="alert" part="error">
      <p><strong>${this.i18n.t('errorTitle')}</strong> ${detail ?? nothing}</p>
      <button type="button" part="button" @click=${retry}>${this.i18n.t('retry')}</button>
    </div>`;
  }

  protected renderEmpty(text: string): TemplateResult {
    return html`<p class="empty">${text}</p>`;
  }

  /**
   * Cursor paging: "1–20 of 4,243" (or "of 10,000+" past what the API counts, or "1–20" until the count
   * arrives). The buttons stay in place (disabled) so focus does not jump.
   */
  protected renderPager(section: string, paging: Paging): TemplateResult {
    const t = this.i18n.t.bind(this.i18n);
    const offset = (paging.pages.page - 1) * paging.pageSize;
    const from = paging.shown === 0 ? 0 : offset + 1;
    // Left to right in every language ("1–20", never "20–1" in Arabic): the numbers of a range read that way.
    const range = `\u2066${t('range', { from: this.count(from), to: this.count(offset + paging.shown) })}\u2069`;
    const total = paging.total;
    const count = total && (total.more ? t('atLeast', { count: this.count(roundDown(total.count)) }) : this.count(total.count));
    const text = count ? t('rangeOf', { range, total: isolate(count) }) : range;
    return html`<nav class="pager" aria-label=${t('pagination', { section })}>
      <button type="button" part="button" ?disabled=${offset === 0} @click=${() => paging.go(paging.pages.previous())}>
        ${t('previous')}
      </button>
      <span class="muted" aria-live="polite">${text}</span>
      <button
        type="button"
        part="button"
        ?disabled=${paging.nextCursor === null}
        @click=${() => paging.nextCursor !== null && paging.go(paging.pages.next(paging.nextCursor))}
      >
        ${t('next')}
      </button>
    </nav>`;
  }

  /** An asset by its code, as the wallet knows it (else the bare code, which formats as a currency Intl knows). */
  protected assetOf(code: string): PortalAsset | string {
    return this.walletState?.wallet?.accounts.find((a) => a.asset.code === code)?.asset ?? code;
  }

  /** A whole number in the reader's locale ("4,243", "٤٬٢٤٣"). */
  protected count(value: number | string): string {
    return numberFormat(this.i18n.locale, 'n').format(value as Intl.StringNumericLiteral);
  }

  /**
   * An amount with every digit it has ("−$0.0042", "$0.00000125"), never fewer than its asset's precision and
   * with no trailing zeros past it: a fee is shown as charged and a running balance adds up row to row.
   */
  protected exact(value: string, asset: PortalAsset | string, scale?: number): string {
    if (!isDecimal(value)) return value;
    const display = typeof asset === 'string' ? assetFromCode(asset) : asset;
    const digits = Math.max(display.precision, scale ?? significantScale(value));
    return this.i18n.amount(value, digits === display.precision ? asset : { ...display, precision: digits });
  }

  /** Amounts in several assets, joined: "$0.0087 + 3 image credits". */
  protected exactTotals(totals: ReadonlyArray<{ amount: string; asset: string }>, assetOf: (code: string) => PortalAsset | string): string {
    return totals.map((total) => this.exact(total.amount, assetOf(total.asset))).join(' + ');
  }

  /** A price in words: "$2.50 per 1M input tokens", "0,50 US$ por evento". */
  protected rateText(rate: UsageRate, asset: PortalAsset | string): string {
    const amount = isolate(this.exact(rate.amount, asset));
    if (rate.unit === null) return this.i18n.t('ratePerEvent', { amount });
    if (rate.per === '1') return this.i18n.t('ratePerUnit', { amount, unit: isolate(unitWords(rate.unit, true)) });
    const count = isolate(numberFormat(this.i18n.locale, 'compact').format(rate.per as Intl.StringNumericLiteral));
    return this.i18n.t('ratePer', { amount, count, unit: isolate(unitWords(rate.unit, false)) });
  }

  /** A quantity billed: "1,234 input tokens", "1 image". */
  protected quantityText(quantity: UsageQuantity): string {
    const number = numberFormat(this.i18n.locale, 'n').format(quantity.quantity as Intl.StringNumericLiteral);
    return this.i18n.t('quantity', { quantity: number, unit: isolate(unitWords(quantity.unit, quantity.quantity === '1')) });
  }

  /** "37 events", with the locale's plural rules (Arabic has six forms). */
  protected eventCount(count: number): string {
    const rule = pluralRules(this.i18n.locale).select(count);
    const key = `eventCount_${rule === 'zero' ? 'other' : rule}` as MessageKey;
    return this.i18n.t(key, { count: this.count(count) });
  }
}

/**
 * The decimal places each asset's amounts need in one list (the most any of `values` has): every row of the list
 * shows that many, so the digits line up and a running balance reads as adding up.
 */
export function listScales(values: Iterable<{ asset: string; amount: string }>): Map<string, number> {
  const scales = new Map<string, number>();
  for (const { asset, amount } of values) scales.set(asset, Math.max(scales.get(asset) ?? 0, significantScale(amount)));
  return scales;
}

/** Where a cursor-paged list is: the pages visited, `shown` rows on this one, and how to move. */
export interface Paging {
  pages: CursorPages;
  pageSize: number;
  shown: number;
  total: ListTotal | null;
  /** The API's `next_cursor`: null on the last page. */
  nextCursor: string | null;
  go: (pages: CursorPages) => void;
}

/** A lower bound shown as a round figure: 10,003 → 10,000 ("10,000+"), 2,345 → 2,000. */
export function roundDown(count: number): number {
  if (count < 100) return count;
  const unit = 10 ** (String(count).length - 1);
  return Math.floor(count / unit) * unit;
}

/** Decimal places a value needs: "0.00420" → 4. */
function significantScale(value: string): number {
  const fraction = value.split('.')[1] ?? '';
  return fraction.replace(/0+$/, '').length;
}

/**
 * Text set apart for the bidirectional algorithm (FSI … PDI): an English unit name or an amount inside an Arabic
 * sentence keeps its own order instead of swapping places with the numbers around it.
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}

/** "input_tokens" → "input tokens", and "input token" for one. (Units are the platform's names, not translated.) */
export function unitWords(unit: string, one: boolean): string {
  const words = unit.replace(/[_-]+/g, ' ').trim();
  return one && /[^s]s$/i.test(words) ? words.slice(0, -1) : words;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, kind: 'n' | 'compact'): Intl.NumberFormat {
  const key = `${locale}|${kind}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(
      locale,
      kind === 'compact' ? { notation: 'compact', maximumFractionDigits: 3 } : { maximumFractionDigits: 20 },
    );
    numberFormats.set(key, format);
  }
  return format;
}

const plurals = new Map<string, Intl.PluralRules>();
function pluralRules(locale: string): Intl.PluralRules {
  let rules = plurals.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    plurals.set(locale, rules);
  }
  return rules;
}

/** The reader's time zone: months and days in the lists are theirs. */
export function localTimeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** `YYYY-MM-DD` of an instant in the reader's time zone. */
export function localDay(iso: string): string {
  const date = new Date(iso);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** Cursor paging state: the cursor of every page visited so far, so Previous needs no backwards cursor. Immutable. */
export class CursorPages {
  private constructor(private readonly cursors: ReadonlyArray<string | null>) {}

  static first(): CursorPages {
    return new CursorPages([null]);
  }

  get page(): number {
    return this.cursors.length;
  }

  get cursor(): string | null {
    return this.cursors[this.cursors.length - 1] ?? null;
  }

  next(cursor: string): CursorPages {
    return new CursorPages([...this.cursors, cursor]);
  }

  previous(): CursorPages {
    return this.cursors.length > 1 ? new CursorPages(this.cursors.slice(0, -1)) : this;
  }
}

export function problemOf(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  return { type: 'about:blank', title: 'Unexpected error', status: 0, detail: String(error) };
}

/** Only http(s) links from the platform are followed: a `javascript:` URL in a receipt link must not run. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url, document.baseURI);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The query parameters Stripe's return adds to the page URL (`credyt_top_up`, `credyt_card`, `top_up_id`). */
const RETURN_PARAMS = /^(credyt_.*|top_up_id)$/;

/**
 * Where Stripe should send the customer back: the page the portal is on, without the parameters of an earlier
 * return (the BFF accepts it when the page's origin is one of the platform's allowed origins).
 */
export function pageReturnUrl(): string {
  const url = new URL(window.location.href);
  for (const name of [...url.searchParams.keys()]) if (RETURN_PARAMS.test(name)) url.searchParams.delete(name);
  return url.href;
}
