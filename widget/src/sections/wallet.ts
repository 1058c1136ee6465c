import { html, css, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import type { PortalAccount } from '@credyt/shared';
import { compareDecimal, isNegativeDecimal, isZeroDecimal, multiplyDecimal } from '../decimal.ts';
import { PortalSection } from './section.ts';

/** Wallet balances: every account, fiat and custom, with this month's spend, warnings and live updates. */
export class WalletSection extends PortalSection {
  static override styles = [
    ...PortalSection.styles,
    css`
      .balances {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 14em), 1fr));
        gap: calc(var(--_space) * 1.5);
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .balance {
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        padding: calc(var(--_space) * 1.5);
        background: var(--_bg);
        display: grid;
        gap: calc(var(--_space) / 2);
        align-content: start;
      }
      .balance.negative {
        border-color: var(--_danger);
      }
      .name {
        color: var(--_muted);
        font-weight: 500;
      }
      .available {
        font-size: 1.6em;
        font-weight: 650;
        font-variant-numeric: tabular-nums;
        overflow-wrap: anywhere;
      }
      .negative .available {
        color: var(--_danger);
      }
      .balance .notice {
        margin: 0;
        font-size: 0.9em;
      }
      .summary {
        margin-top: calc(var(--_space) * 1.5);
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
          asset: account.asset.name,
          amount: this.i18n.amount(account.available, account.asset),
        });
      }
    }
    this.previous = new Map(accounts.map((account) => [account.id, account.available]));
  }

  protected override render(): TemplateResult {
    return html`<section class="card" aria-labelledby="wallet-heading">
      <h3 id="wallet-heading" part="heading">${this.i18n.t('walletHeading')}</h3>
      ${this.renderBody()}
      <p class="sr-only" aria-live="polite">${this.announcement}</p>
    </section>`;
  }

  private renderBody(): TemplateResult {
    const state = this.walletState;
    if (state.status === 'loading') return this.renderSkeleton(3);
    if (state.status === 'error') return this.renderError(state.error, state.reload);
    const wallet = state.wallet!;
    if (wallet.accounts.length === 0) return this.renderEmpty(this.i18n.t('walletEmpty'));
    return html`<ul class="balances">
        ${wallet.accounts.map((account) => this.renderAccount(account))}
      </ul>
      <p class="summary">
        <span class="muted">${this.i18n.t('spentThisMonth')}:</span>
        <strong>${this.i18n.amount(wallet.spent_this_month.amount, wallet.spent_this_month.currency)}</strong>
      </p>`;
  }

  private renderAccount(account: PortalAccount): TemplateResult {
    const i18n = this.i18n;
    const negative = isNegativeDecimal(account.available);
    const low = !negative && isLow(account, new Date());
    const classes = ['balance', negative ? 'negative' : '', this.walletState.recentlyUpdated.has(account.id) ? 'updated' : '']
      .filter(Boolean)
      .join(' ');
    return html`<li class=${classes} part="balance" data-account=${account.id}>
      <span class="name">${account.asset.name}</span>
      <span class="available">${i18n.amount(account.available, account.asset)}</span>
      ${
        !account.asset.fiat && account.fiat_value !== null
          ? html`<span class="muted">${i18n.t('approxValue', { amount: i18n.amount(account.fiat_value, account.fiat_currency) })}</span>`
          : nothing
      }
      ${
        isZeroDecimal(account.pending_in)
          ? nothing
          : html`<span class="muted">${i18n.t('pendingIn', { amount: i18n.amount(account.pending_in, account.asset) })}</span>`
      }
      <span class="muted">${i18n.t('accountSpent', { amount: i18n.amount(account.spent_this_month, account.asset) })}</span>
      ${
        negative
          ? html`<p class="notice danger" part="notice">${i18n.t('negativeWarning')}</p>`
          : low
            ? html`<p class="notice warning" part="notice">${i18n.t('lowWarning')}</p>`
            : nothing
      }
    </li>`;
  }
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
