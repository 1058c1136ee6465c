import { html, css, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { query, state } from 'lit/decorators.js';
import type { TopUpStatus } from '@credyt/shared';
import { ApiError, type TopUpState } from '../api/client.ts';
import type { MessageKey } from '../i18n/index.ts';
import { creditAmount, sentence } from './payment-form.ts';
import { PortalSection, safeUrl } from './section.ts';

/** How the customer came back from Checkout: `?credyt_top_up=success|cancelled&top_up_id=…` on the page URL. */
type Outcome = 'succeeded' | 'pending' | 'cancelled' | 'failed';

const TEXT: Record<Outcome, { tone: string; title: MessageKey; body: MessageKey }> = {
  succeeded: { tone: 'success', title: 'returnSucceededTitle', body: 'returnSucceededBody' },
  pending: { tone: 'info', title: 'returnPendingTitle', body: 'returnPendingBody' },
  cancelled: { tone: 'warning', title: 'returnCancelledTitle', body: 'returnCancelledBody' },
  failed: { tone: 'danger', title: 'returnFailedTitle', body: 'returnFailedBody' },
};

/**
 * The banner at the top of the portal after Stripe Checkout: what was paid and added, the receipt, or that the
 * payment was cancelled or failed. It takes focus when it appears, so the customer (and a screen reader) lands on
 * the outcome, not at the top of a long page.
 */
export class CheckoutReturnBanner extends PortalSection {
  static override styles = [
    ...PortalSection.styles,
    css`
      :host {
        container: checkout-return / inline-size;
      }
      .banner {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: var(--_space) calc(var(--_space) * 2);
        margin: 0 0 calc(var(--_space) * 2);
        padding: calc(var(--_space) * 1.5) calc(var(--_space) * 2);
        border: 1px solid currentColor;
        border-inline-start-width: 4px;
        border-radius: var(--_radius);
        background: var(--_surface);
      }
      /* Focus is moved here for screen readers; the box is no control, so it shows no focus ring. */
      .banner:is(:focus, :focus-visible) {
        outline: none;
      }
      .banner.success {
        color: var(--_success);
      }
      .banner.warning {
        color: var(--_warning);
      }
      .banner.danger {
        color: var(--_danger);
      }
      .banner.info {
        color: var(--_text);
        border-color: var(--_border-strong);
      }
      .text {
        flex: 1 1 16em;
        min-width: 0;
      }
      .title {
        font-weight: 650;
        margin: 0;
      }
      .body {
        margin: 0;
        color: var(--_text);
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: var(--_space);
      }
      .actions :is(a, button) {
        display: inline-flex;
        align-items: center;
        justify-content: center;
        box-sizing: border-box;
        min-height: 2.5em;
        margin: 0;
        padding: 0 calc(var(--_space) * 1.5);
        line-height: 1.2;
        font-size: 1em;
        color: var(--_text);
        border: 1px solid var(--_border-strong);
        border-radius: var(--_radius);
        background: var(--_bg);
        text-decoration: none;
      }
      @container checkout-return (max-width: 24em) {
        .actions {
          width: 100%;
        }
        .actions :is(a, button) {
          flex: 1 1 0;
        }
      }
    `,
  ];

  @state() private outcome: Outcome | null = null;
  @state() private topUp: TopUpState | null = null;
  @query('.banner') private banner!: HTMLElement | null;
  private topUpId: string | null = null;
  private focused = false;
  private unsubscribe: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.readReturn();
    this.unsubscribe =
      this.stream?.on('top_up.updated', (update) => {
        if (update.id !== this.topUpId) return;
        this.topUp = { ...this.topUp, ...update };
        this.outcome = outcomeOf(update.status);
        // An older BFF sends no receipt with the event: read it once the payment went through.
        if (this.outcome === 'succeeded' && !update.receipt_url) void this.check(update.id);
      }) ?? null;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    if (this.outcome && this.banner && !this.focused) {
      this.focused = true;
      this.banner.focus();
    }
  }

  private readReturn(): void {
    const params = new URL(window.location.href).searchParams;
    const outcome = params.get('credyt_top_up');
    this.topUpId = params.get('top_up_id');
    if (outcome === 'cancelled') this.outcome = 'cancelled';
    if (outcome !== 'success') return;
    this.outcome = 'pending';
    if (this.topUpId) void this.check(this.topUpId);
  }

  private async check(id: string): Promise<void> {
    try {
      const topUp = await this.client.topUp(id);
      this.topUp = topUp;
      // The stream may have told a later state already.
      if (this.outcome === 'pending' || this.outcome === null) this.outcome = outcomeOf(topUp.status);
    } catch (error) {
      // Not known yet (or not readable): stay "pending" until the stream says otherwise.
      if (!(error instanceof ApiError)) this.report(error);
    }
  }

  protected override render(): TemplateResult | typeof nothing {
    const outcome = this.outcome;
    if (!outcome) return nothing;
    const i18n = this.i18n;
    const text = TEXT[outcome];
    const topUp = this.topUp;
    const receipt = outcome === 'succeeded' ? safeUrl(topUp?.receipt_url) : null;
    return html`<div
      class="banner ${text.tone}"
      role="status"
      tabindex="-1"
      part="notice"
      aria-labelledby="return-title"
      aria-describedby="return-body"
    >
      <div class="text">
        <p class="title" id="return-title">${i18n.t(text.title)}</p>
        <p class="body" id="return-body">${this.renderBody(outcome, text.body)}</p>
      </div>
      <div class="actions">
        ${
          receipt
            ? html`<a href=${receipt} target="_blank" rel="noopener noreferrer" part="button"
                >${i18n.t('receipt')}<span class="sr-only"> ${i18n.t('opensInNewTab')}</span></a
              >`
            : nothing
        }
        <button type="button" part="button" @click=${() => (this.outcome = null)}>${i18n.t('dismiss')}</button>
      </div>
    </div>`;
  }

  private renderBody(outcome: Outcome, key: MessageKey): TemplateResult | string {
    const i18n = this.i18n;
    const topUp = this.topUp;
    if (outcome !== 'succeeded' || !topUp) return i18n.t(key);
    const asset = this.walletState?.wallet?.accounts.find((a) => a.asset.code === topUp.asset)?.asset ?? topUp.asset;
    const amount = creditAmount(i18n, topUp.amount, asset);
    const fiat = typeof asset === 'string' || asset.fiat;
    if (!fiat && topUp.fiat_amount && topUp.currency) {
      return sentence(i18n, 'returnPaidBody', { amount, price: i18n.amount(topUp.fiat_amount, topUp.currency) });
    }
    return sentence(i18n, key, { amount });
  }
}

function outcomeOf(status: TopUpStatus): Outcome {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'cancelled') return 'cancelled';
  if (status === 'failed' || status === 'expired') return 'failed';
  return 'pending';
}
