import { html, css, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import type { PortalAccount, PortalWallet } from '@credyt/shared';
import { compareDecimal, isNegativeDecimal, isZeroDecimal, multiplyDecimal } from '../decimal.ts';
import type { AssetDisplay } from '../i18n/index.ts';
import { PortalSection } from './section.ts';

/**
 * How many figure cards the skeleton shows on a first visit: two balances and the month's spend. That is the
 * height of a wallet of one balance or two on a phone (two balances to a row) and of any wallet that fits a row
 * on a wider page.
 */
const SKELETON_CARDS = 3;
/**
 * How many cards this browser last saw here (this page's origin): the next visit's skeleton has as many, so a
 * wallet of one balance does not shrink under the customer on every load (a whole card's height at phone width).
 */
const CARDS_KEY = 'credyt-portal:wallet-cards';

/** The card count to draw: the page's hint (the hosted page knows the customer's balances), else remembered. */
function skeletonCards(hint: string | null | undefined): number {
  const n = Number(hint);
  return hint && Number.isInteger(n) && n >= 1 && n <= 12 ? n : rememberedCards();
}

function rememberedCards(): number {
  try {
    const n = Number(localStorage.getItem(CARDS_KEY));
    return Number.isInteger(n) && n >= 1 && n <= 12 ? n : SKELETON_CARDS;
  } catch {
    return SKELETON_CARDS; // storage blocked (a sandboxed frame, strict privacy settings)
  }
}

/** Called on every render (each live update): storage is written only when the count changed. */
function rememberCards(n: number): void {
  try {
    if (localStorage.getItem(CARDS_KEY) !== String(n)) localStorage.setItem(CARDS_KEY, String(n));
  } catch {
    /* not remembered: the next skeleton has the default */
  }
}

/**
 * Wallet balances: money first, then custom units, each a figure card, with the month's total spend as a card
 * of its own beside them; warnings and live updates. The section has no box of its own (its cards are the one
 * level of cards), and its skeleton has the cards' final size, so nothing moves when the balances arrive: a
 * card's minimum height holds a name, the figure and two lines of detail, and the skeleton's cards are that tall.
 * The amount line is inline, not flex, so it keeps the card's direction (right-aligned in Arabic) and the unit
 * wraps as a whole; the figure keeps its digits together and breaks only when wider than the card itself (a
 * balance of billions at 320 px), rather than leave it.
 *
 * Narrow (a phone, below 600 px): the month's spend has a row of its own below the balances, as tall as its three
 * lines. From 348 px (two cards of 168 px) the balances go two to a row, and a card is as tall as a custom unit's
 * lines at that width (the unit below the figure, the value, the month's spend on two lines): a wallet of one
 * balance or two then has the same height, so the skeleton (two balances) fits both, and a phone sees them side
 * by side. The last balance, when odd-numbered, has the row to itself, its lines centred in the card.
 */
export class WalletSection extends PortalSection {
  static override styles = [
    ...PortalSection.styles,
    css`
      h3 {
        margin-block-end: var(--_space);
      }
      .stats {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 200px), 1fr));
        gap: calc(var(--_space) * 1.5);
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .stat {
        min-height: calc(var(--_space) * 4.5 + 2px + 6.6em);
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        padding: calc(var(--_space) * 1.5);
        background: var(--_surface);
        display: grid;
        align-content: start;
        gap: calc(var(--_space) / 2);
        min-width: 0;
      }
      .stat.negative {
        border-color: var(--_danger);
      }
      @container portal (width < 600px) {
        .stats {
          grid-template-columns: minmax(0, 1fr);
        }
        .stat.spent {
          grid-column: 1 / -1;
          min-height: 0;
        }
      }
      @container portal (348px <= width < 600px) {
        .stats {
          grid-template-columns: repeat(2, minmax(0, 1fr));
        }
        .stat {
          min-height: calc(var(--_space) * 4.5 + 2px + 9.3em);
        }
        .stat:nth-child(odd):nth-last-child(2) {
          grid-column: 1 / -1;
          align-content: center;
        }
      }
      .name {
        color: var(--_muted);
        font-weight: 500;
        overflow-wrap: anywhere;
      }
      .amount {
        display: block;
        line-height: 1.2;
        min-width: 0;
      }
      .figure {
        font-size: 1.75em;
        font-weight: 650;
        font-variant-numeric: tabular-nums;
        overflow-wrap: anywhere;
        letter-spacing: -0.01em;
      }
      .unit {
        font-weight: 500;
        color: var(--_muted);
      }
      .negative .figure {
        color: var(--_danger);
      }
      .detail {
        color: var(--_muted);
        overflow-wrap: anywhere;
      }
      .stat .notice {
        margin: 0;
        padding: 0;
        border: 0;
        font-weight: 500;
      }
      .bone {
        display: inline-block;
        vertical-align: middle;
        height: 0.9em;
        border-radius: 4px;
        background: linear-gradient(90deg, var(--_border) 25%, var(--_bg) 50%, var(--_border) 75%);
        background-size: 200% 100%;
        animation: shimmer 1.4s linear infinite;
      }
      .bone {
        width: 50%;
      }
      .bone.short {
        width: 35%;
      }
      .bone.long {
        width: 70%;
      }
      .bone.figure-bone {
        width: 4.5em;
        height: 0.8em;
      }
      @media (prefers-reduced-motion: reduce) {
        .bone {
          animation: none;
        }
      }
      .updated {
        animation: flash 1.6s ease-out;
      }
      @keyframes flash {
        from {
          box-shadow: 0 0 0 3px var(--_primary);
        }
        to {
          box-shadow: 0 0 0 3px transparent;
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .updated {
          animation: none;
          outline: 2px solid var(--_primary);
        }
      }
    `,
  ];

  /** The latest live change, read out by screen readers. */
  @state() private announcement = '';
  private previous = new Map<string, string>();

  protected override willUpdate(changed: PropertyValues): void {
    if (!changed.has('walletState') || this.walletState.status !== 'ready') return;
    const accounts = this.walletState.wallet?.accounts ?? [];
    for (const account of accounts) {
      const before = this.previous.get(account.id);
      if (before !== undefined && before !== account.available && this.walletState.recentlyUpdated.has(account.id)) {
        this.announcement = this.i18n.t('balanceUpdated', {
          asset: this.i18n.assetName(account.asset, false),
          amount: this.i18n.amount(account.available, account.asset),
        });
      }
    }
    this.previous = new Map(accounts.map((account) => [account.id, account.available]));
  }

  protected override render(): TemplateResult {
    return html`<section class="flat" aria-labelledby="wallet-heading">
      <h3 id="wallet-heading" part="heading">${this.i18n.t('walletHeading')}</h3>
      ${this.renderBody()}
      <p class="sr-only" aria-live="polite">${this.announcement}</p>
    </section>`;
  }

  private renderBody(): TemplateResult {
    const state = this.walletState;
    if (state.status === 'loading') return this.renderCardSkeleton();
    if (state.status === 'error') return html`<div class="card">${this.renderError(state.error, state.reload)}</div>`;
    const wallet = state.wallet!;
    if (wallet.accounts.length === 0) return html`<div class="card">${this.renderEmpty(this.i18n.t('walletEmpty'))}</div>`;
    rememberCards(wallet.accounts.length + 1);
    return html`<ul class="stats">
      ${moneyFirst(wallet.accounts, wallet.spent_this_month.currency).map((account) => this.renderAccount(account))}
      ${this.renderSpent(wallet)}
    </ul>`;
  }

  /** The `<credyt-billing-portal>` this section is in (its shadow root's host). */
  private portalHost(): HTMLElement | null {
    const root = this.getRootNode();
    return root instanceof ShadowRoot && root.host instanceof HTMLElement ? root.host : null;
  }

  /**
   * Cards of the final size, so the balances replace them without moving anything: the balances' cards, then the
   * month's spend (a card of its own shape: on a phone it has a row to itself).
   */
  private renderCardSkeleton(): TemplateResult {
    // Widths by class, not inline styles: the hosted page's CSP allows no style attributes.
    const figure = html`<span class="amount"
      ><span class="figure"><span class="bone figure-bone"></span></span
    ></span>`;
    const balance = html`<li class="stat outline">
      <span class="name"><span class="bone short"></span></span>
      ${figure}
      <span class="detail"><span class="bone long"></span></span>
      <span class="detail"><span class="bone"></span></span>
    </li>`;
    const spent = html`<li class="stat spent outline">
      <span class="name"><span class="bone short"></span></span>
      ${figure}
      <span class="detail"><span class="bone long"></span></span>
    </li>`;
    const balances = Math.max(1, skeletonCards(this.portalHost()?.dataset.walletCards) - 1);
    return html`<div aria-busy="true">
      <span class="sr-only">${this.i18n.t('loading')}</span>
      <ul class="stats" aria-hidden="true">
        ${Array.from({ length: balances }, () => balance)} ${spent}
      </ul>
    </div>`;
  }

  private renderAccount(account: PortalAccount): TemplateResult {
    const i18n = this.i18n;
    const negative = isNegativeDecimal(account.available);
    const low = !negative && isLow(account, new Date());
    const classes = ['stat', negative ? 'negative' : '', this.walletState.recentlyUpdated.has(account.id) ? 'updated' : '']
      .filter(Boolean)
      .join(' ');
    return html`<li class=${classes} part="balance" data-account=${account.id}>
      <span class="name">${this.i18n.assetName(account.asset)}</span>
      ${this.renderFigure(account.available, account.asset)}
      ${
        !account.asset.fiat && account.fiat_value !== null
          ? html`<span class="detail">${i18n.t('approxValue', { amount: i18n.amount(account.fiat_value, account.fiat_currency) })}</span>`
          : nothing
      }
      ${
        isZeroDecimal(account.pending_in)
          ? nothing
          : html`<span class="detail">${i18n.t('pendingIn', { amount: i18n.amount(account.pending_in, account.asset) })}</span>`
      }
      <span class="detail">${i18n.t('accountSpent', { amount: i18n.amount(account.spent_this_month, account.asset) })}</span>
      ${
        negative
          ? html`<p class="notice danger" part="notice">${i18n.t('negativeWarning')}</p>`
          : low
            ? html`<p class="notice warning" part="notice">${i18n.t('lowWarning')}</p>`
            : nothing
      }
    </li>`;
  }

  /**
   * The month's spend over every balance, in the platform currency: a peer of the balances. It is an estimate
   * (≈) when any of it was spent in a custom unit or another currency and converted at the current rate.
   */
  private renderSpent(wallet: PortalWallet): TemplateResult {
    const { amount, currency } = wallet.spent_this_month;
    const converted = wallet.accounts.some(
      (account) => !isZeroDecimal(account.spent_this_month) && (!account.asset.fiat || account.asset.code !== currency),
    );
    const figure = this.i18n.amount(amount, currency);
    return html`<li class="stat spent" part="stat" data-stat="spent-this-month">
      <span class="name">${this.i18n.t('spentThisMonth')}</span>
      <span class="amount"><span class="figure">${converted ? this.i18n.t('approxValue', { amount: figure }) : figure}</span></span>
      <span class="detail">${this.i18n.t(converted ? 'spentConverted' : 'spentAll', { currency })}</span>
    </li>`;
  }

  /**
   * A large figure with its unit beside it, smaller; the figure never breaks, the unit wraps as a whole. Figure
   * and unit are one isolated run (`<bdi>`), ordered by the unit's own script, as `amount()` orders them in text.
   */
  private renderFigure(value: string, asset: AssetDisplay): TemplateResult {
    const { figure, unit, unitFirst } = this.i18n.amountParts(value, asset);
    const figureEl = html`<span class="figure">${figure}</span>`;
    if (unit === null) return html`<span class="amount">${figureEl}</span>`;
    const unitEl = html`<span class="unit">${unit}</span>`;
    return html`<span class="amount"><bdi>${unitFirst ? html`${unitEl} ${figureEl}` : html`${figureEl} ${unitEl}`}</bdi></span>`;
  }
}

/** Money first: the platform currency, then other currencies, then custom units, each in the server's order. */
export function moneyFirst(accounts: readonly PortalAccount[], currency: string): PortalAccount[] {
  const rank = (account: PortalAccount) => (account.asset.fiat ? (account.asset.code === currency ? 0 : 1) : 2);
  return accounts
    .map((account, index) => ({ account, index }))
    .sort((a, b) => rank(a.account) - rank(b.account) || a.index - b.index)
    .map(({ account }) => account);
}

/**
 * Low: less than about a week left at this month's average daily pace, i.e.
 * available × days elapsed < spent this month × 7 (exact: both sides are decimal products).
 */
export function isLow(account: PortalAccount, now: Date): boolean {
  if (isZeroDecimal(account.spent_this_month) || isNegativeDecimal(account.spent_this_month)) return false;
  const daysElapsed = String(Math.max(1, now.getDate()));
  return compareDecimal(multiplyDecimal(account.available, daysElapsed), multiplyDecimal(account.spent_this_month, '7')) < 0;
}
