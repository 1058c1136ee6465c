import { html, css, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { Task } from '@lit/task';
import type { AutoTopUpSetting } from '@credyt/shared';
import type { AutoTopUpResult, AutoTopUpUpdate } from '../api/client.ts';
import { isDecimal, isZeroDecimal, scaleOf } from '../decimal.ts';
import { emit } from '../events.ts';
import { assetFromCode, type AssetDisplay, type MessageKey } from '../i18n/index.ts';
import { PortalSection, pageReturnUrl, safeUrl } from './section.ts';

/** How to fix the last failure, by the Stripe decline code the BFF reports. */
const FIXES: Record<string, MessageKey> = {
  card_declined: 'autoFixCardDeclined',
  generic_decline: 'autoFixCardDeclined',
  do_not_honor: 'autoFixCardDeclined',
  expired_card: 'autoFixExpiredCard',
  authentication_required: 'autoFixAuthentication',
  insufficient_funds: 'autoFixInsufficientFunds',
};

type Field = 'threshold' | 'amount';

interface Draft extends AutoTopUpUpdate {
  saving: boolean;
  saved: boolean;
  error: unknown;
  /** Fields the customer left (blur): only these, or all after a submit, show their validation errors. */
  touched: ReadonlySet<Field>;
  submitted: boolean;
}

/** How the customer came back from Stripe's card setup page: `?credyt_card=saved|cancelled` on the page URL. */
type CardReturn = 'saved' | 'cancelled';

/** After a card was saved, Stripe's webhook may land a moment after the customer: look again a few times. */
const CARD_RECHECKS = 5;
const CARD_RECHECK_MS = 1500;

/** Auto top-up per asset: on/off, threshold and amount, the saved card, and the last failure with its fix. */
export class AutoTopUpSection extends PortalSection {
  static override styles = [
    ...PortalSection.styles,
    css`
      .settings {
        display: grid;
        gap: calc(var(--_space) * 2);
      }
      form {
        display: grid;
        gap: var(--_space);
        border-top: 1px solid var(--_border);
        padding-top: calc(var(--_space) * 1.5);
      }
      form:first-child {
        border-top: 0;
        padding-top: 0;
      }
      .toggle {
        display: flex;
        gap: var(--_space);
        align-items: center;
      }
      .toggle input {
        width: 1.2em;
        height: 1.2em;
        min-height: 0;
        accent-color: var(--_primary);
      }
      .field-error {
        color: var(--_danger);
        margin: 0;
      }
    `,
  ];

  @state() private drafts = new Map<string, Draft>();
  /** The settings as last loaded or saved. */
  @state() private list: AutoTopUpSetting[] = [];
  @state() private cardReturn: CardReturn | null = null;
  private recheckTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly settings = new Task(this, {
    task: async (_args, { signal }) => {
      try {
        const settings = await this.client.autoTopUps(signal);
        this.drafts = new Map(settings.map((s) => [s.asset, draftOf(s)]));
        this.list = settings;
        if (this.cardReturn === 'saved') this.recheckCards(CARD_RECHECKS);
        return settings;
      } catch (error) {
        this.report(error);
        throw error;
      }
    },
    args: () => [this.client] as const,
  });

  override connectedCallback(): void {
    super.connectedCallback();
    const outcome = new URL(window.location.href).searchParams.get('credyt_card');
    if (outcome === 'saved' || outcome === 'cancelled') this.cardReturn = outcome;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.recheckTimer);
  }

  /** Until every enabled setting shows its card, reads the settings again quietly (no skeleton, drafts kept). */
  private recheckCards(left: number): void {
    clearTimeout(this.recheckTimer);
    const waiting = (settings: AutoTopUpSetting[]) => settings.some((s) => s.enabled && !s.payment_method);
    if (left <= 0 || !waiting(this.list)) return;
    this.recheckTimer = setTimeout(async () => {
      try {
        const settings = await this.client.autoTopUps();
        this.list = settings;
        this.drafts = new Map(settings.map((s) => [s.asset, this.drafts.get(s.asset) ?? draftOf(s)]));
        this.recheckCards(left - 1);
      } catch {
        // The settings on screen stay; Retry and a reload still work.
      }
    }, CARD_RECHECK_MS);
  }

  protected override render(): TemplateResult {
    return html`<section class="card" aria-labelledby="auto-heading">
      <h3 id="auto-heading" part="heading">${this.i18n.t('autoHeading')}</h3>
      <p class="muted">${this.i18n.t('autoIntro')}</p>
      ${this.renderCardReturn()}
      ${this.settings.render({
        initial: () => this.renderSkeleton(3),
        pending: () => this.renderSkeleton(3),
        error: (error) => this.renderError(error, () => void this.settings.run()),
        complete: () =>
          this.list.length === 0
            ? this.renderEmpty(this.i18n.t('autoEmpty'))
            : html`<div class="settings">${this.list.map((setting) => this.renderSetting(setting))}</div>`,
      })}
    </section>`;
  }

  private renderCardReturn(): TemplateResult | typeof nothing {
    if (!this.cardReturn) return nothing;
    const saved = this.cardReturn === 'saved';
    return html`<div class="notice ${saved ? 'success' : 'warning'} row" role="status" part="notice">
      <span>${this.i18n.t(saved ? 'autoCardSaved' : 'autoCardCancelled')}</span>
      <button type="button" part="button" @click=${() => (this.cardReturn = null)}>${this.i18n.t('dismiss')}</button>
    </div>`;
  }

  private assetOf(code: string): AssetDisplay & { name: string } {
    const known = this.walletState.wallet?.accounts.find((a) => a.asset.code === code)?.asset;
    return known ?? { ...assetFromCode(code), name: code };
  }

  private renderSetting(setting: AutoTopUpSetting): TemplateResult {
    const i18n = this.i18n;
    const asset = this.assetOf(setting.asset);
    const draft = this.drafts.get(setting.asset) ?? draftOf(setting);
    const id = `auto-${setting.asset}`;
    const thresholdValid = validAmount(draft.threshold, asset.precision, true);
    const amountValid = validAmount(draft.amount, asset.precision);
    // Errors wait until the customer left a field or pressed Save, not while the form is untouched.
    const shown = (field: Field) => draft.submitted || draft.touched.has(field);
    const thresholdError = !thresholdValid && shown('threshold');
    const amountError = !amountValid && shown('amount');
    const card = setting.payment_method;
    const setupUrl = safeUrl(setting.setup_url);
    return html`<form aria-labelledby="${id}-toggle" @submit=${(event: SubmitEvent) => this.save(event, setting.asset)} novalidate>
      <label class="toggle" id="${id}-toggle">
        <input
          type="checkbox"
          part="input"
          .checked=${draft.enabled}
          @change=${(event: Event) => this.edit(setting.asset, { enabled: (event.target as HTMLInputElement).checked })}
        />
        ${i18n.t('autoEnabled', { asset: asset.name })}
      </label>
      <div class="row">
        <label
          >${i18n.t('autoThreshold')} (${i18n.unitName(asset)})
          <input
            part="input"
            name="threshold"
            inputmode="decimal"
            .value=${draft.threshold}
            aria-invalid=${thresholdError ? 'true' : 'false'}
            aria-describedby="${id}-help"
            @input=${(event: Event) => this.edit(setting.asset, { threshold: (event.target as HTMLInputElement).value.trim() })}
            @blur=${() => this.touch(setting.asset, 'threshold')}
          />
        </label>
        <label
          >${i18n.t('autoAmount')} (${i18n.unitName(asset)})
          <input
            part="input"
            name="amount"
            inputmode="decimal"
            .value=${draft.amount}
            aria-invalid=${amountError ? 'true' : 'false'}
            aria-describedby="${id}-help"
            @input=${(event: Event) => this.edit(setting.asset, { amount: (event.target as HTMLInputElement).value.trim() })}
            @blur=${() => this.touch(setting.asset, 'amount')}
          />
        </label>
        <button type="submit" part="button button-primary" class="primary" ?disabled=${draft.saving}>${i18n.t('autoSave')}</button>
      </div>
      <div id="${id}-help" aria-live="polite">
        ${
          thresholdError || amountError
            ? html`<p class="field-error">${i18n.t('autoInvalid', { precision: asset.precision })}</p>`
            : nothing
        }
        ${draft.saved ? html`<p class="notice success" part="notice">${i18n.t('autoSaved')}</p>` : nothing}
      </div>
      ${draft.error ? this.renderError(draft.error, () => void this.save(null, setting.asset)) : nothing}
      <p class="muted">
        ${
          card
            ? i18n.t('autoCard', {
                brand: card.brand,
                last4: card.last4,
                month: String(card.exp_month).padStart(2, '0'),
                year: card.exp_year,
              })
            : i18n.t('autoNoCard')
        }
      </p>
      ${setting.status === 'pending' ? html`<p class="muted">${i18n.t('autoPending')}</p>` : nothing}
      ${setting.status === 'paused' ? html`<p class="notice warning" part="notice">${i18n.t('autoPaused')}</p>` : nothing}
      ${
        setting.last_error
          ? html`<div class="notice danger" part="notice">
              <p>${i18n.t('autoLastError', { date: i18n.dateTime(setting.last_error.at), message: setting.last_error.message })}</p>
              <p>${i18n.t(FIXES[setting.last_error.code] ?? 'autoFixDefault')}</p>
            </div>`
          : nothing
      }
      ${
        setupUrl
          ? html`<p>
              <a
                class="button"
                part="button"
                href=${setupUrl}
                @click=${(event: MouseEvent) => this.onSetupClick(event, setting.asset, setupUrl)}
                >${i18n.t('autoSaveCard')}</a
              >
            </p>`
          : nothing
      }
    </form>`;
  }

  private edit(asset: string, change: Partial<AutoTopUpUpdate>): void {
    const draft = this.drafts.get(asset);
    if (!draft) return;
    this.drafts = new Map(this.drafts).set(asset, { ...draft, ...change, saved: false, error: null });
  }

  private touch(asset: string, field: Field): void {
    const draft = this.drafts.get(asset);
    if (!draft || draft.touched.has(field)) return;
    this.drafts = new Map(this.drafts).set(asset, { ...draft, touched: new Set([...draft.touched, field]) });
  }

  private async save(event: SubmitEvent | null, asset: string): Promise<void> {
    event?.preventDefault();
    // Read now: once dispatch ends, an event from inside a shadow root no longer has its target.
    const form = event?.target as HTMLFormElement | null;
    const draft = this.drafts.get(asset);
    if (!draft || draft.saving) return;
    const precision = this.assetOf(asset).precision;
    if (!validAmount(draft.threshold, precision, true) || !validAmount(draft.amount, precision)) {
      this.drafts = new Map(this.drafts).set(asset, { ...draft, submitted: true, saved: false });
      await this.updateComplete;
      form?.querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus();
      return;
    }
    this.drafts = new Map(this.drafts).set(asset, { ...draft, saving: true, saved: false, error: null, submitted: true });
    try {
      const { enabled, threshold, amount } = draft;
      const result = await this.client.updateAutoTopUp(asset, { enabled, threshold, amount, return_url: pageReturnUrl() });
      const setting = settingOf(result);
      if (setting) this.list = this.list.map((s) => (s.asset === asset ? setting : s));
      const setupUrl = safeUrl(result.setup_url);
      if (setupUrl) {
        // A card must be saved first: Stripe's setup page saves it and comes back to this page.
        this.drafts = new Map(this.drafts).set(asset, { ...(setting ? draftOf(setting) : draft), saving: false });
        this.redirect(asset, setupUrl);
        return;
      }
      if (setting) this.drafts = new Map(this.drafts).set(asset, { ...draftOf(setting), saved: true });
    } catch (error) {
      this.report(error);
      this.drafts = new Map(this.drafts).set(asset, { ...draft, saving: false, error });
    }
  }

  private onSetupClick(event: MouseEvent, asset: string, url: string): void {
    event.preventDefault();
    this.redirect(asset, url);
  }

  /** Leaves for Stripe's card setup page, unless the host page cancels `credyt-redirect` to open it itself. */
  private redirect(asset: string, url: string): void {
    if (emit(this, 'credyt-redirect', { reason: 'card_setup', asset, url }, { cancelable: true })) window.location.assign(url);
  }
}

/** The real BFF answers the setting (plus `setup_url`); an older one answered only `{ setup_url }`. */
function settingOf(result: AutoTopUpResult): AutoTopUpSetting | null {
  return 'asset' in result ? result : null;
}

function draftOf(setting: AutoTopUpSetting): Draft {
  // Never set up: empty fields to fill in, rather than a "0" that reads like a setting.
  const fresh = !setting.enabled && isZeroDecimal(setting.threshold) && isZeroDecimal(setting.amount);
  return {
    enabled: setting.enabled,
    threshold: fresh ? '' : setting.threshold,
    amount: fresh ? '' : setting.amount,
    saving: false,
    saved: false,
    error: null,
    touched: new Set(),
    submitted: false,
  };
}

function validAmount(value: string, precision: number, zeroAllowed = false): boolean {
  return isDecimal(value) && !value.startsWith('-') && (zeroAllowed || !isZeroDecimal(value)) && scaleOf(value) <= precision;
}
