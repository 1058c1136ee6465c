import { html, css, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { Task } from '@lit/task';
import type { AutoTopUpSetting } from '@credyt/shared';
import type { AutoTopUpUpdate } from '../api/client.ts';
import { isDecimal, isZeroDecimal, scaleOf } from '../decimal.ts';
import { assetFromCode, type AssetDisplay, type MessageKey } from '../i18n/index.ts';
import { PortalSection, safeUrl } from './section.ts';

/** How to fix the last failure, by the Stripe decline code the BFF reports. */
const FIXES: Record<string, MessageKey> = {
  card_declined: 'autoFixCardDeclined',
  generic_decline: 'autoFixCardDeclined',
  do_not_honor: 'autoFixCardDeclined',
  expired_card: 'autoFixExpiredCard',
  authentication_required: 'autoFixAuthentication',
  insufficient_funds: 'autoFixInsufficientFunds',
};

interface Draft extends AutoTopUpUpdate {
  saving: boolean;
  saved: boolean;
  error: unknown;
}

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

  private readonly settings = new Task(this, {
    task: async (_args, { signal }) => {
      try {
        const settings = await this.client.autoTopUps(signal);
        this.drafts = new Map(settings.map((s) => [s.asset, draftOf(s)]));
        this.list = settings;
        return settings;
      } catch (error) {
        this.report(error);
        throw error;
      }
    },
    args: () => [this.client] as const,
  });

  protected override render(): TemplateResult {
    return html`<section class="card" aria-labelledby="auto-heading">
      <h3 id="auto-heading" part="heading">${this.i18n.t('autoHeading')}</h3>
      <p class="muted">${this.i18n.t('autoIntro')}</p>
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

  private assetOf(code: string): AssetDisplay & { name: string } {
    const known = this.walletState.wallet?.accounts.find((a) => a.asset.code === code)?.asset;
    return known ?? { ...assetFromCode(code), name: code };
  }

  private renderSetting(setting: AutoTopUpSetting): TemplateResult {
    const i18n = this.i18n;
    const asset = this.assetOf(setting.asset);
    const draft = this.drafts.get(setting.asset) ?? draftOf(setting);
    const id = `auto-${setting.asset}`;
    const invalid = !validAmount(draft.threshold, asset.precision, true) || !validAmount(draft.amount, asset.precision);
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
            inputmode="decimal"
            .value=${draft.threshold}
            aria-invalid=${validAmount(draft.threshold, asset.precision, true) ? 'false' : 'true'}
            aria-describedby="${id}-help"
            @input=${(event: Event) => this.edit(setting.asset, { threshold: (event.target as HTMLInputElement).value.trim() })}
          />
        </label>
        <label
          >${i18n.t('autoAmount')} (${i18n.unitName(asset)})
          <input
            part="input"
            inputmode="decimal"
            .value=${draft.amount}
            aria-invalid=${validAmount(draft.amount, asset.precision) ? 'false' : 'true'}
            aria-describedby="${id}-help"
            @input=${(event: Event) => this.edit(setting.asset, { amount: (event.target as HTMLInputElement).value.trim() })}
          />
        </label>
        <button type="submit" part="button button-primary" class="primary" ?disabled=${draft.saving || invalid}>
          ${i18n.t('autoSave')}
        </button>
      </div>
      <div id="${id}-help" aria-live="polite">
        ${invalid ? html`<p class="field-error">${i18n.t('autoInvalid', { precision: asset.precision })}</p>` : nothing}
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
      ${setupUrl ? html`<p><a class="button" part="button" href=${setupUrl}>${i18n.t('autoSaveCard')}</a></p>` : nothing}
    </form>`;
  }

  private edit(asset: string, change: Partial<AutoTopUpUpdate>): void {
    const draft = this.drafts.get(asset);
    if (!draft) return;
    this.drafts = new Map(this.drafts).set(asset, { ...draft, ...change, saved: false, error: null });
  }

  private async save(event: SubmitEvent | null, asset: string): Promise<void> {
    event?.preventDefault();
    const draft = this.drafts.get(asset);
    if (!draft || draft.saving) return;
    this.drafts = new Map(this.drafts).set(asset, { ...draft, saving: true, saved: false, error: null });
    try {
      const { enabled, threshold, amount } = draft;
      const result = await this.client.updateAutoTopUp(asset, { enabled, threshold, amount });
      if (!('asset' in result)) {
        // A card must be saved first: the BFF sends the customer to a Stripe setup page and back.
        const url = safeUrl(result.setup_url);
        if (url) window.location.assign(url);
        this.drafts = new Map(this.drafts).set(asset, { ...draft, saving: false });
        return;
      }
      this.list = this.list.map((s) => (s.asset === asset ? result : s));
      this.drafts = new Map(this.drafts).set(asset, { ...draftOf(result), saved: true });
    } catch (error) {
      this.report(error);
      this.drafts = new Map(this.drafts).set(asset, { ...draft, saving: false, error });
    }
  }
}

function draftOf(setting: AutoTopUpSetting): Draft {
  return {
    enabled: setting.enabled,
    threshold: setting.threshold,
    amount: setting.amount,
    saving: false,
    saved: false,
    error: null,
  };
}

function validAmount(value: string, precision: number, zeroAllowed = false): boolean {
  return isDecimal(value) && !value.startsWith('-') && (zeroAllowed || !isZeroDecimal(value)) && scaleOf(value) <= precision;
}
