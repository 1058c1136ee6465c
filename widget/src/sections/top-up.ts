import { html, css, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import type { PortalAccount, TopUpStatus } from '@credyt/shared';
import { ApiError } from '../api/client.ts';
import { divideDecimal, isDecimal, isZeroDecimal, multiplyDecimal, roundUpDecimal, scaleOf } from '../decimal.ts';
import { emit } from '../events.ts';
import { assetFromCode } from '../i18n/index.ts';
import { PortalSection, pageReturnUrl, safeUrl } from './section.ts';

const FIAT_PRESETS = ['10', '25', '50', '100'];
const UNIT_PRESETS = ['100', '500', '1000', '5000'];

/** How the customer came back from Checkout: `?credyt_top_up=success|cancelled&top_up_id=…` on the page URL. */
type ReturnState = 'succeeded' | 'pending' | 'cancelled' | 'failed';

/** One payment intent: the same asset and amount keep one idempotency key, so a double click pays once. */
interface Intent {
  asset: string;
  amount: string;
  key: string;
}

/** Top-up: presets or a free amount in the chosen asset, its fiat price, and the redirect to Stripe Checkout. */
export class TopUpSection extends PortalSection {
  static override styles = [
    ...PortalSection.styles,
    css`
      form {
        display: grid;
        gap: calc(var(--_space) * 1.5);
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
        display: grid;
        gap: calc(var(--_space) / 2);
      }
      legend {
        font-weight: 500;
        padding: 0;
        margin-bottom: calc(var(--_space) / 2);
      }
      .presets {
        display: flex;
        flex-wrap: wrap;
        gap: var(--_space);
      }
      .price {
        font-weight: 600;
        min-height: 1.4em;
        margin: 0;
      }
      .field-error {
        color: var(--_danger);
        margin: 0;
      }
    `,
  ];

  @state() private assetCode: string | null = null;
  @state() private amount = '';
  @state() private pending = false;
  @state() private error: unknown = null;
  @state() private returnState: ReturnState | null = null;
  @state() private receiptUrl: string | null = null;
  private intent: Intent | null = null;
  private returnedTopUpId: string | null = null;
  private unsubscribe: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.readReturn();
    this.unsubscribe = this.stream?.on('top_up.updated', (topUp) => {
      if (topUp.id !== this.returnedTopUpId) return;
      this.returnState = returnStateOf(topUp.status);
      // The stream's event has no receipt: read it once the payment went through.
      if (this.returnState === 'succeeded' && !this.receiptUrl) void this.checkReturnedTopUp(topUp.id);
    });
    window.addEventListener('pageshow', this.onPageShow);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    window.removeEventListener('pageshow', this.onPageShow);
  }

  /** Back from Checkout through the browser's back/forward cache: the redirect is no longer pending. */
  private readonly onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted) this.pending = false;
  };

  private readReturn(): void {
    const params = new URL(window.location.href).searchParams;
    const outcome = params.get('credyt_top_up');
    if (outcome === 'cancelled') this.returnState = 'cancelled';
    if (outcome !== 'success') return;
    this.returnState = 'pending';
    this.returnedTopUpId = params.get('top_up_id');
    if (this.returnedTopUpId) void this.checkReturnedTopUp(this.returnedTopUpId);
  }

  private async checkReturnedTopUp(id: string): Promise<void> {
    try {
      const topUp = await this.client.topUp(id);
      if (this.returnState === 'pending') this.returnState = returnStateOf(topUp.status);
      this.receiptUrl = safeUrl(topUp.receipt_url);
    } catch (error) {
      // Not known yet (or not readable): stay "pending" until the stream says otherwise.
      if (!(error instanceof ApiError)) this.report(error);
    }
  }

  private get accounts(): PortalAccount[] {
    return this.walletState.wallet?.accounts ?? [];
  }

  private get account(): PortalAccount | undefined {
    // Until the customer picks one, offer money first: the account in the platform's currency, else any fiat one.
    return (
      this.accounts.find((account) => account.asset.code === this.assetCode) ??
      this.accounts.find((account) => account.asset.fiat) ??
      this.accounts[0]
    );
  }

  protected override render(): TemplateResult {
    return html`<section class="card" aria-labelledby="top-up-heading">
      <h3 id="top-up-heading" part="heading">${this.i18n.t('topUpHeading')}</h3>
      ${this.renderReturn()} ${this.renderBody()}
    </section>`;
  }

  private renderReturn(): TemplateResult | typeof nothing {
    if (!this.returnState) return nothing;
    const message = {
      succeeded: ['success', this.i18n.t('topUpSucceeded')],
      pending: ['warning', this.i18n.t('topUpPending')],
      cancelled: ['warning', this.i18n.t('topUpCancelled')],
      failed: ['danger', this.i18n.t('topUpFailed')],
    }[this.returnState];
    const receipt = this.returnState === 'succeeded' ? this.receiptUrl : null;
    return html`<div class="notice ${message[0]} row" role="status" part="notice">
      <span>${message[1]}</span>
      ${receipt ? html`<a href=${receipt} target="_blank" rel="noopener noreferrer">${this.i18n.t('receipt')}</a>` : nothing}
      <button type="button" part="button" @click=${() => (this.returnState = null)}>${this.i18n.t('dismiss')}</button>
    </div>`;
  }

  private renderBody(): TemplateResult {
    const wallet = this.walletState;
    if (wallet.status === 'loading') return this.renderSkeleton(3);
    if (wallet.status === 'error') return this.renderError(wallet.error, wallet.reload);
    const account = this.account;
    if (!account) return this.renderEmpty(this.i18n.t('topUpNone'));
    const asset = account.asset;
    const presets = asset.fiat ? FIAT_PRESETS : UNIT_PRESETS;
    const invalid = this.amount !== '' && !validAmount(this.amount, asset.precision);
    const price = !invalid && this.amount ? priceOf(account, this.amount) : null;
    return html`<form @submit=${this.onSubmit} novalidate>
      ${
        this.accounts.length > 1
          ? html`<label
              >${this.i18n.t('topUpAsset')}
              <select part="input" @change=${this.onAssetChange}>
                ${this.accounts.map(
                  (a) => html`<option value=${a.asset.code} ?selected=${a.asset.code === asset.code}>${a.asset.name}</option>`,
                )}
              </select>
            </label>`
          : nothing
      }
      <fieldset>
        <legend>${this.i18n.t('topUpAmount')}</legend>
        <div class="presets">
          ${presets.map(
            (preset) =>
              html`<button
                type="button"
                part="button"
                aria-pressed=${this.amount === preset ? 'true' : 'false'}
                @click=${() => this.choose(preset)}
              >
                ${this.i18n.amount(preset, asset)}
              </button>`,
          )}
        </div>
      </fieldset>
      <label
        >${this.i18n.t('topUpOther')} (${this.i18n.unitName(asset)})
        <input
          part="input"
          name="amount"
          inputmode="decimal"
          autocomplete="off"
          .value=${this.amount}
          aria-invalid=${invalid ? 'true' : 'false'}
          aria-describedby="amount-help"
          @input=${(event: Event) => this.choose((event.target as HTMLInputElement).value.trim())}
        />
      </label>
      <div id="amount-help" aria-live="polite">
        ${
          invalid
            ? html`<p class="field-error">${this.i18n.t('topUpInvalid', { precision: asset.precision })}</p>`
            : price
              ? html`<p class="price">${this.i18n.t('topUpPrice', { amount: this.i18n.amount(price.amount, price.currency) })}</p>`
              : nothing
        }
      </div>
      ${this.error ? this.renderError(this.error, () => void this.pay()) : nothing}
      <div>
        <button class="primary" type="submit" part="button button-primary" ?disabled=${this.pending || !this.amount || invalid}>
          ${this.pending ? this.i18n.t('topUpRedirecting') : this.i18n.t('topUpPay')}
        </button>
      </div>
    </form>`;
  }

  private onAssetChange(event: Event): void {
    this.assetCode = (event.target as HTMLSelectElement).value;
    this.amount = '';
    this.error = null;
  }

  private choose(amount: string): void {
    this.amount = amount;
    this.error = null;
  }

  private onSubmit(event: SubmitEvent): void {
    event.preventDefault();
    void this.pay();
  }

  private async pay(): Promise<void> {
    const account = this.account;
    if (this.pending || !account || !validAmount(this.amount, account.asset.precision)) return;
    const asset = account.asset.code;
    const amount = this.amount;
    if (this.intent?.asset !== asset || this.intent.amount !== amount) {
      this.intent = { asset, amount, key: newIdempotencyKey() };
    }
    this.pending = true;
    this.error = null;
    try {
      const topUp = await this.client.createTopUp({
        asset,
        amount,
        idempotency_key: this.intent.key,
        return_url: pageReturnUrl(),
      });
      const detail = { id: topUp.id, asset, amount, redirect_url: topUp.redirect_url };
      this.intent = null;
      const proceed = emit(this, 'credyt-top-up-started', detail, { cancelable: true });
      const url = safeUrl(topUp.redirect_url);
      if (proceed && url) {
        window.location.assign(url);
      } else {
        this.pending = false;
      }
    } catch (error) {
      this.pending = false;
      this.error = error;
      this.report(error);
    }
  }
}

function validAmount(amount: string, precision: number): boolean {
  return isDecimal(amount) && !amount.startsWith('-') && !isZeroDecimal(amount) && scaleOf(amount) <= precision;
}

/**
 * The fiat price of `amount` units: `amount × asset.rate` rounded up to the currency's minor unit, as the BFF
 * charges it. Without a rate (an older BFF), the rate is inferred from the balance: `fiat_value / available`.
 */
function priceOf(account: PortalAccount, amount: string): { amount: string; currency: string } | null {
  if (account.asset.fiat) return { amount, currency: account.asset.code };
  const currency = account.fiat_currency;
  const precision = assetFromCode(currency).precision;
  const rate = account.asset.rate;
  if (rate && isDecimal(rate)) return { amount: roundUpDecimal(multiplyDecimal(amount, rate), precision), currency };
  if (account.fiat_value === null || isZeroDecimal(account.available)) return null;
  const price = divideDecimal(multiplyDecimal(amount, account.fiat_value), account.available, precision);
  return { amount: price.replace(/^-/, ''), currency };
}

function returnStateOf(status: TopUpStatus): ReturnState {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'cancelled') return 'cancelled';
  if (status === 'failed' || status === 'expired') return 'failed';
  return 'pending';
}

/** `crypto.randomUUID` needs a secure context; the element may be on a plain-http page. */
function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
