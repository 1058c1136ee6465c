import { html, css, nothing, type TemplateResult } from 'lit';
import { query, state } from 'lit/decorators.js';
import type { PortalAccount } from '@credyt/shared';
import { compareDecimal, isDecimal, isZeroDecimal } from '../decimal.ts';
import { emit } from '../events.ts';
import { formatDecimalInput } from '../i18n/parse.ts';
import { checkAmount, limitsFor, priceOf, renderFailure, sentence, serverFieldErrors, unitsFor } from './payment-form.ts';
import { PortalSection, pageReturnUrl, safeUrl } from './section.ts';

/** Presets in the platform currency; a custom unit offers what they buy at its rate. */
const FIAT_PRESETS = ['10', '25', '50', '100'];
/** For a custom unit without a rate (an older BFF). */
const UNIT_PRESETS = ['100', '500', '1000', '5000'];

/** One payment intent: the same asset and amount keep one idempotency key, so a double click pays once. */
interface Intent {
  asset: string;
  amount: string;
  key: string;
}

/**
 * Top-up: presets or an amount typed in the customer's locale, the platform's limits shown before the purchase and
 * checked on the device, the fiat price, and the redirect to Stripe Checkout. The return from Checkout is told by
 * `<credyt-portal-checkout-return>` at the top of the portal.
 */
export class TopUpSection extends PortalSection {
  static override styles = [
    ...PortalSection.styles,
    css`
      .card {
        container: top-up / inline-size;
      }
      form {
        display: grid;
        gap: calc(var(--_space) * 1.5);
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
        min-width: 0;
      }
      legend {
        font-weight: 500;
        padding: 0;
        margin-bottom: calc(var(--_space) / 2);
      }
      .presets {
        display: grid;
        grid-template-columns: repeat(2, minmax(0, 1fr));
        gap: var(--_space);
      }
      .presets button {
        min-height: 2.75em;
        font-variant-numeric: tabular-nums;
      }
      .field {
        display: grid;
        gap: calc(var(--_space) / 2);
      }
      .field input {
        width: 100%;
        font-variant-numeric: tabular-nums;
      }
      .hint,
      .field-error,
      .price {
        margin: 0;
      }
      .hint {
        font-size: 0.92em;
      }
      .field-error {
        color: var(--_danger);
        font-weight: 500;
      }
      .price {
        font-weight: 600;
      }
      .failure p {
        margin: 0;
      }
      button[type='submit'] {
        width: 100%;
        min-height: 2.75em;
      }
      @container top-up (min-width: 30em) {
        .presets {
          grid-template-columns: repeat(4, minmax(0, 1fr));
        }
        button[type='submit'] {
          width: auto;
        }
      }
    `,
  ];

  @state() private assetCode: string | null = null;
  /** What the customer typed (or a preset wrote), in their locale. */
  @state() private typed = '';
  /** Errors show once the customer left the field or pressed pay, not while typing. */
  @state() private touched = false;
  @state() private submitted = false;
  @state() private pending = false;
  @state() private failure: unknown = null;
  /** The server's field errors of the last attempt, by path, in the customer's language. */
  @state() private serverErrors = new Map<string, string>();
  @query('input[name="amount"]') private input!: HTMLInputElement | null;
  private intent: Intent | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('pageshow', this.onPageShow);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('pageshow', this.onPageShow);
  }

  /** Back from Checkout through the browser's back/forward cache: the redirect is no longer pending. */
  private readonly onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted) this.pending = false;
  };

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
      ${this.renderBody()}
    </section>`;
  }

  private renderBody(): TemplateResult {
    const wallet = this.walletState;
    if (wallet.status === 'loading') return this.renderSkeleton(5);
    // The wallet section says what failed and offers Retry: one failure, one message.
    if (wallet.status === 'error') return html`<p class="muted">${this.i18n.t('topUpUnavailable')}</p>`;
    const account = this.account;
    if (!account) return this.renderEmpty(this.i18n.t('topUpNone'));
    const i18n = this.i18n;
    const asset = account.asset;
    const limits = this.session?.top_up_limits;
    const range = limitsFor(account, limits);
    const check = checkAmount(i18n, this.typed, account, { limits, limited: true });
    const error = this.serverErrors.get('amount') ?? ((this.touched && this.typed !== '') || this.submitted ? check.error : null);
    const assetError = this.serverErrors.get('asset');
    const presets = this.presetsFor(account);
    const describedBy = ['amount-hint', error ? 'amount-error' : ''].filter(Boolean).join(' ');
    return html`<form @submit=${this.onSubmit} novalidate>
      ${
        this.accounts.length > 1
          ? html`<label class="field"
              >${i18n.t('topUpAsset')}
              <select
                part="input"
                name="asset"
                aria-invalid=${assetError ? 'true' : 'false'}
                aria-describedby=${assetError ? 'asset-error' : nothing}
                @change=${this.onAssetChange}
              >
                ${this.accounts.map(
                  (a) =>
                    html`<option value=${a.asset.code} ?selected=${a.asset.code === asset.code}>${this.i18n.assetName(a.asset)}</option>`,
                )}
              </select>
              ${assetError ? html`<p class="field-error" id="asset-error">${assetError}</p>` : nothing}
            </label>`
          : nothing
      }
      ${
        presets.length > 0
          ? html`<fieldset>
              <legend>${i18n.t('topUpAmount')}</legend>
              <div class="presets">
                ${presets.map(
                  (preset) =>
                    html`<button
                      type="button"
                      part="button"
                      aria-pressed=${check.value !== null && compareDecimal(check.value, preset) === 0 ? 'true' : 'false'}
                      @click=${() => this.choose(preset)}
                    >
                      <bdi>${i18n.amount(preset, asset)}</bdi>
                    </button>`,
                )}
              </div>
            </fieldset>`
          : nothing
      }
      <div class="field">
        <label for="amount">${i18n.t('topUpOther')} (${i18n.unitName(asset)})</label>
        <input
          id="amount"
          part="input"
          name="amount"
          inputmode="decimal"
          autocomplete="off"
          .value=${this.typed}
          aria-invalid=${error ? 'true' : 'false'}
          aria-describedby=${describedBy}
          @input=${this.onInput}
          @blur=${() => (this.touched = true)}
        />
        <p class="hint muted" id="amount-hint">
          ${range ? sentence(i18n, 'topUpRange', { min: i18n.amount(range.min, asset), max: i18n.amount(range.max, asset) }) : nothing}
        </p>
        <div aria-live="polite">
          ${
            error
              ? html`<p class="field-error" id="amount-error">${error}</p>`
              : check.price && !check.error
                ? html`<p class="price">
                    ${sentence(i18n, 'topUpPrice', { amount: i18n.amount(check.price.amount, check.price.currency) })}
                  </p>`
                : nothing
          }
        </div>
      </div>
      ${this.failure ? renderFailure(i18n, this.failure, () => void this.pay(), 'failureRefused') : nothing}
      <div>
        <button class="primary" type="submit" part="button button-primary" ?disabled=${this.pending} aria-busy=${this.pending}>
          ${this.pending ? i18n.t('topUpRedirecting') : i18n.t('topUpPay')}
        </button>
      </div>
    </form>`;
  }

  /** The fiat presets, in a custom unit what they buy; only those the platform's limits allow. */
  private presetsFor(account: PortalAccount): string[] {
    const limits = this.session?.top_up_limits;
    const rate = account.asset.rate;
    const units = account.asset.fiat
      ? FIAT_PRESETS
      : rate && isDecimal(rate)
        ? FIAT_PRESETS.map((fiat) => unitsFor(account, fiat, false)).filter((u): u is string => u !== null && !isZeroDecimal(u))
        : UNIT_PRESETS;
    if (!limits || limits.currency !== (account.asset.fiat ? account.asset.code : account.fiat_currency)) return units;
    return units.filter((u) => {
      const price = priceOf(account, u);
      return !price || (compareDecimal(price.amount, limits.minimum) >= 0 && compareDecimal(price.amount, limits.maximum) <= 0);
    });
  }

  private onAssetChange(event: Event): void {
    this.assetCode = (event.target as HTMLSelectElement).value;
    this.typed = '';
    this.touched = false;
    this.submitted = false;
    this.clearErrors();
  }

  private onInput(event: Event): void {
    this.typed = (event.target as HTMLInputElement).value;
    this.clearErrors();
  }

  private choose(amount: string): void {
    this.typed = formatDecimalInput(amount, this.i18n.locale);
    this.touched = true;
    this.clearErrors();
  }

  private clearErrors(): void {
    this.failure = null;
    if (this.serverErrors.size > 0) this.serverErrors = new Map();
  }

  private onSubmit(event: SubmitEvent): void {
    event.preventDefault();
    void this.pay();
  }

  private async pay(): Promise<void> {
    const account = this.account;
    if (this.pending || !account) return;
    const check = checkAmount(this.i18n, this.typed, account, { limits: this.session?.top_up_limits, limited: true });
    if (check.error || check.value === null) {
      // Nothing is sent: the reason shows under the field, where focus goes.
      this.submitted = true;
      await this.updateComplete;
      this.input?.focus();
      return;
    }
    const asset = account.asset.code;
    const amount = check.value;
    if (this.intent?.asset !== asset || this.intent.amount !== amount) {
      this.intent = { asset, amount, key: newIdempotencyKey() };
    }
    this.pending = true;
    this.clearErrors();
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
      this.report(error);
      const fields = serverFieldErrors(error, this.i18n);
      if (fields.has('amount') || fields.has('asset')) {
        // The server's own words go under the field they are about: no general error, no Retry that would fail again.
        this.serverErrors = fields;
        await this.updateComplete;
        this.input?.focus();
      } else {
        this.failure = error;
      }
    }
  }
}

/** `crypto.randomUUID` needs a secure context; the element may be on a plain-http page. */
function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
