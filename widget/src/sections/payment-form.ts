import { html, nothing, type TemplateResult } from 'lit';
import type { FieldError, PortalAccount, TopUpLimits } from '@credyt/shared';
import { ApiError } from '../api/client.ts';
import {
  addDecimal,
  compareDecimal,
  divideDecimal,
  isDecimal,
  isNegativeDecimal,
  isZeroDecimal,
  multiplyDecimal,
  roundUpDecimal,
  scaleOf,
} from '../decimal.ts';
import { assetFromCode, type AssetDisplay, type I18n, type MessageKey } from '../i18n/index.ts';
import { formatDecimalInput, parseDecimal } from '../i18n/parse.ts';

/**
 * What the two payment forms (top-up and automatic top-up) share: reading an amount typed in the customer's
 * locale, checking it on the device as the BFF will (precision, limits), the server's field errors in the
 * customer's language, and one failure message that says what to do.
 */

export interface Price {
  amount: string;
  currency: string;
}

/**
 * The fiat price of `units`: `units × asset.rate` rounded up to the currency's minor unit, as the BFF charges it.
 * Without a rate (an older BFF), the rate is inferred from the balance: `fiat_value / available`.
 */
export function priceOf(account: PortalAccount, units: string): Price | null {
  if (account.asset.fiat) return { amount: units, currency: account.asset.code };
  const currency = account.fiat_currency;
  const precision = assetFromCode(currency).precision;
  const rate = account.asset.rate;
  if (rate && isDecimal(rate)) return { amount: roundUpDecimal(multiplyDecimal(units, rate), precision), currency };
  if (account.fiat_value === null || isZeroDecimal(account.available)) return null;
  const price = divideDecimal(multiplyDecimal(units, account.fiat_value), account.available, precision);
  return { amount: price.replace(/^-/, ''), currency };
}

/** How many units of the account's asset `fiat` buys: rounded `up` for a minimum, down for a maximum. */
export function unitsFor(account: PortalAccount, fiat: string, up: boolean): string | null {
  const { asset } = account;
  if (asset.fiat) return fiat;
  const rate = asset.rate;
  if (!rate || !isDecimal(rate) || isZeroDecimal(rate)) return null;
  let units = divideDecimal(fiat, rate, asset.precision);
  // Half-even is within half a unit: one step puts it on the right side of the limit.
  const step = asset.precision > 0 ? `0.${'0'.repeat(asset.precision - 1)}1` : '1';
  const cost = compareDecimal(multiplyDecimal(units, rate), fiat);
  if (up && cost < 0) units = addDecimal(units, step);
  if (!up && cost > 0) units = addDecimal(units, `-${step}`);
  return units;
}

/** The limits in the account's terms, when they apply to it (priced in the limits' currency). */
export function limitsFor(account: PortalAccount, limits: TopUpLimits | undefined): { min: string; max: string } | null {
  if (!limits || !isDecimal(limits.minimum) || !isDecimal(limits.maximum)) return null;
  const currency = account.asset.fiat ? account.asset.code : account.fiat_currency;
  if (currency !== limits.currency) return null;
  const min = unitsFor(account, limits.minimum, true);
  const max = unitsFor(account, limits.maximum, false);
  return min !== null && max !== null ? { min, max } : null;
}

/** An amount in the asset, with its price in brackets for a custom unit: "500 credits ($5.00)". */
export function amountWithPrice(i18n: I18n, account: PortalAccount, units: string): string {
  const amount = i18n.amount(units, account.asset);
  if (account.asset.fiat) return amount;
  const price = priceOf(account, units);
  return price ? `${amount} (${i18n.amount(price.amount, price.currency)})` : amount;
}

export interface AmountCheck {
  /** The exact decimal the customer typed, or null when it is not one. */
  value: string | null;
  /** Why it cannot be sent, in the customer's language; null when it can. */
  error: string | null;
  price: Price | null;
}

/**
 * Reads and checks a typed amount as the BFF will: a number in the locale, above zero (or zero, for a threshold),
 * within the asset's precision, and, when `limited`, priced within the platform's limits.
 */
export function checkAmount(
  i18n: I18n,
  typed: string,
  account: PortalAccount,
  options: { limits?: TopUpLimits; zeroAllowed?: boolean; limited?: boolean } = {},
): AmountCheck {
  const { asset } = account;
  if (typed.trim() === '') return { value: null, error: i18n.t('amountRequired'), price: null };
  const value = parseDecimal(typed, i18n.locale);
  if (value === null) {
    const example = formatDecimalInput(asset.precision > 0 ? '10.5' : '10', i18n.locale);
    return { value: null, error: i18n.t('amountNotNumber', { example }), price: null };
  }
  const fail = (error: string): AmountCheck => ({ value, error, price: null });
  if (isNegativeDecimal(value)) return fail(i18n.t(options.zeroAllowed ? 'amountNegative' : 'amountNotPositive'));
  if (!options.zeroAllowed && isZeroDecimal(value)) return fail(i18n.t('amountNotPositive'));
  if (scaleOf(value) > asset.precision) {
    return fail(asset.precision === 0 ? i18n.t('amountWhole') : i18n.t('amountTooPrecise', { precision: asset.precision }));
  }
  const price = priceOf(account, value);
  const range = options.limited ? limitsFor(account, options.limits) : null;
  if (range && price && options.limits) {
    if (compareDecimal(price.amount, options.limits.minimum) < 0) {
      return fail(i18n.t('amountBelowMin', { amount: amountWithPrice(i18n, account, range.min) }));
    }
    if (compareDecimal(price.amount, options.limits.maximum) > 0) {
      return fail(i18n.t('amountAboveMax', { amount: amountWithPrice(i18n, account, range.max) }));
    }
  }
  return { value, error: null, price };
}

/** The server's field errors by path, in the customer's language where the BFF named the rule it applied. */
export function serverFieldErrors(error: unknown, i18n: I18n): Map<string, string> {
  const errors = error instanceof ApiError && error.status >= 400 && error.status < 500 ? (error.problem.errors ?? []) : [];
  return new Map(errors.map((e) => [e.path, localise(e, i18n)]));
}

function localise(error: FieldError, i18n: I18n): string {
  const params = error.params ?? {};
  const money = (amount: string | undefined) => (amount && params.currency ? i18n.amount(amount, params.currency) : null);
  switch (error.code) {
    case 'not_positive':
      return i18n.t('amountNotPositive');
    case 'negative':
      return i18n.t('amountNegative');
    case 'too_precise':
      return params.precision === '0' ? i18n.t('amountWhole') : i18n.t('amountTooPrecise', { precision: params.precision ?? '' });
    case 'below_minimum': {
      const amount = money(params.minimum);
      if (amount) return i18n.t('amountBelowMin', { amount });
      break;
    }
    case 'above_maximum': {
      const amount = money(params.maximum);
      if (amount) return i18n.t('amountAboveMax', { amount });
      break;
    }
  }
  return error.message;
}

type Failure = 'network' | 'unavailable' | 'throttled' | 'refused';

/** What kind of failure a call met: only the ones that may pass on a second try get a Retry. */
export function failureOf(error: unknown): { kind: Failure; retry: boolean } {
  if (!(error instanceof ApiError)) return { kind: 'unavailable', retry: true };
  if (error.isNetwork) return { kind: 'network', retry: true };
  if (error.status === 429) return { kind: 'throttled', retry: true };
  if (error.status >= 500) return { kind: 'unavailable', retry: true };
  return { kind: 'refused', retry: false };
}

const FAILURE_MESSAGES: Record<Exclude<Failure, 'refused'>, MessageKey> = {
  network: 'failureNetwork',
  unavailable: 'failureUnavailable',
  throttled: 'failureThrottled',
};

/**
 * One message for one failure, in the customer's language, with a Retry only where trying again can help (a
 * network failure, a 5xx, a 429); a refusal (4xx) says what to do instead. Never the server's raw status text.
 */
export function renderFailure(i18n: I18n, error: unknown, retry: () => void, refused: MessageKey): TemplateResult {
  const { kind, retry: retryable } = failureOf(error);
  const message = kind === 'refused' ? i18n.t(refused) : i18n.t(FAILURE_MESSAGES[kind]);
  return html`<div class="error failure" role="alert" part="error">
    <p>${message}</p>
    ${retryable ? html`<button type="button" part="button" @click=${retry}>${i18n.t('retry')}</button>` : nothing}
  </div>`;
}

/**
 * A translated sentence with its values isolated (`<bdi>`), so an amount keeps its own direction inside Arabic
 * text: "$25.00" stays "$25.00", not "25.00$".
 */
export function sentence(i18n: I18n, key: MessageKey, params: Record<string, string | TemplateResult>): TemplateResult {
  const marked = Object.fromEntries(Object.keys(params).map((name) => [name, `\u0000${name}\u0000`]));
  const pieces = i18n.t(key, marked).split('\u0000');
  return html`${pieces.map((piece, i) => (i % 2 === 1 ? html`<bdi>${params[piece] ?? piece}</bdi>` : piece))}`;
}

/**
 * A credit with its sign, "+$25.00": the sign goes inside the amount's own run (after any isolate or direction
 * mark the formatter opened), so in Arabic it stays beside the digits.
 */
export function creditAmount(i18n: I18n, value: string, asset: AssetDisplay | string): string {
  return i18n.amount(value.replace(/^[-+]/, ''), asset).replace(/^([\u2066-\u2069\u200e\u200f\u061c]*)/, '$1+');
}

/** How a card network names itself: "visa" → "Visa", "amex" → "American Express". */
const BRANDS: Record<string, string> = {
  amex: 'American Express',
  american_express: 'American Express',
  cartes_bancaires: 'Cartes Bancaires',
  diners: 'Diners Club',
  discover: 'Discover',
  eftpos_au: 'eftpos',
  jcb: 'JCB',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

export function brandName(brand: string): string {
  const known = BRANDS[brand.toLowerCase()];
  if (known) return known;
  return brand.replace(/[_-]+/g, ' ').replace(/^\p{Ll}/u, (c) => c.toUpperCase());
}
