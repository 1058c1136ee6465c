import { html, css, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { Task } from '@lit/task';
import type { AutoTopUpSetting, PaymentMethodSummary, PortalAccount, Transaction } from '@credyt/shared';
import type { AutoTopUpResult } from '../api/client.ts';
import { isZeroDecimal } from '../decimal.ts';
import { emit } from '../events.ts';
import { assetFromCode, type MessageKey } from '../i18n/index.ts';
import { formatDecimalInput } from '../i18n/parse.ts';
import { brandName, checkAmount, creditAmount, priceOf, renderFailure, sentence, serverFieldErrors } from './payment-form.ts';
import { PortalSection, pageReturnUrl, safeUrl } from './section.ts';

/** Why an automatic top-up failed, by the Stripe code the BFF reports, in the customer's words. */
const REASONS: Record<string, MessageKey> = {
  card_declined: 'autoReasonDeclined',
  generic_decline: 'autoReasonDeclined',
  do_not_honor: 'autoReasonDeclined',
  lost_card: 'autoReasonDeclined',
  stolen_card: 'autoReasonDeclined',
  expired_card: 'autoReasonExpired',
  authentication_required: 'autoReasonAuthentication',
  insufficient_funds: 'autoReasonFunds',
};

type Field = 'threshold' | 'amount';

interface Draft {
  enabled: boolean;
  /** The fields as typed, in the customer's locale. */
  threshold: string;
  amount: string;
  saving: boolean;
  saved: boolean;
  /** A failure that is not about one field (network, 5xx, a refusal). */
  failure: unknown;
  /** The server's field errors of the last save, by field. */
  serverErrors: ReadonlyMap<string, string>;
  /** Fields the customer left (blur): only these, or all after a submit, show their validation errors. */
  touched: ReadonlySet<Field>;
  submitted: boolean;
}

interface Failure {
  code: string;
  at: string;
  /** What the top-up was to add, in the asset. */
  amount: string;
  /** Reported by the live stream a moment ago (announced), rather than read with the settings. */
  live: boolean;
}

interface Fired {
  asset: string;
  amount: string;
  receiptUrl: string | null;
}

/** How the customer came back from Stripe's card setup page: `?credyt_card=saved|cancelled` on the page URL. */
type CardReturn = 'saved' | 'cancelled';

/** After a card was saved, Stripe's webhook may land a moment after the customer: look again a few times. */
const CARD_RECHECKS = 5;
const CARD_RECHECK_MS = 1500;

/**
 * Automatic top-up: the customer's one card, and per asset the same form — a switch that reveals the threshold and
 * amount, a sentence saying what will happen — with notices when a top-up fires or fails (live, from the stream).
 */
export class AutoTopUpSection extends PortalSection {
  static override styles = [
    ...PortalSection.styles,
    css`
      .card {
        container: auto-top-up / inline-size;
      }
      .intro {
        margin-bottom: calc(var(--_space) * 1.5);
      }
      .method {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: var(--_space);
        padding-block: var(--_space);
        border-block: 1px solid var(--_border);
        margin-bottom: calc(var(--_space) * 1.5);
      }
      .method p {
        margin: 0;
      }
      .method .label {
        font-size: 0.92em;
      }
      .card-name {
        font-weight: 600;
      }
      /* A card or an amount never breaks across lines. */
      .summary bdi,
      .notice bdi {
        white-space: nowrap;
      }
      .settings {
        display: grid;
        gap: calc(var(--_space) * 2);
      }
      form {
        display: grid;
        gap: var(--_space);
      }
      form + form {
        border-top: 1px solid var(--_border);
        padding-top: calc(var(--_space) * 2);
      }
      .switch-row {
        display: flex;
        align-items: center;
        gap: var(--_space);
        min-height: 2.5em;
        font-weight: 500;
      }
      .switch-row label {
        display: block;
        cursor: pointer;
      }
      input[role='switch'] {
        appearance: none;
        position: relative;
        flex: none;
        width: 44px;
        height: 26px;
        min-height: 0;
        margin: 0;
        padding: 0;
        border: 1px solid var(--_border-strong);
        border-radius: 999px;
        background: var(--_border);
        cursor: pointer;
      }
      input[role='switch']::before {
        content: '';
        position: absolute;
        inset-block-start: 2px;
        inset-inline-start: 2px;
        width: 20px;
        height: 20px;
        border-radius: 50%;
        background: #ffffff;
        box-shadow: 0 1px 2px rgb(0 0 0 / 0.3);
        transition: inset-inline-start 0.15s;
      }
      input[role='switch']:checked {
        background: var(--_primary);
        border-color: var(--_primary);
      }
      input[role='switch']:checked::before {
        inset-inline-start: 20px;
      }
      @media (prefers-reduced-motion: reduce) {
        input[role='switch']::before {
          transition: none;
        }
      }
      .fields {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: var(--_space) calc(var(--_space) * 1.5);
        align-items: end;
      }
      .fields[hidden] {
        display: none;
      }
      .field {
        display: grid;
        gap: calc(var(--_space) / 2);
        align-content: end;
      }
      .field input {
        width: 100%;
        font-variant-numeric: tabular-nums;
      }
      .field-error {
        color: var(--_danger);
        font-weight: 500;
        margin: 0;
      }
      .summary {
        margin: 0;
        grid-column: 1 / -1;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: var(--_space);
      }
      .actions p {
        margin: 0;
      }
      /* Notices read in the text colour; their tone is the border, a tint and the lead words. */
      .notice.danger,
      .notice.success,
      .notice.warning {
        color: var(--_text);
        border-color: var(--_tone);
        background: color-mix(in srgb, var(--_tone) 7%, transparent);
      }
      .notice.danger {
        --_tone: var(--_danger);
      }
      .notice.success {
        --_tone: var(--_success);
      }
      .notice.warning {
        --_tone: var(--_warning);
      }
      .notice strong {
        color: var(--_tone);
      }
      .notice p {
        margin: 0;
      }
      .notice p + p {
        margin-top: calc(var(--_space) / 2);
      }
      .notice .button-row {
        margin-top: var(--_space);
      }
      .notice button,
      .method button,
      .fired :is(a, button) {
        color: var(--_text);
      }
      .fired {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: var(--_space);
      }
      .fired .what {
        flex: 1 1 auto;
      }
      .fired a {
        display: inline-block;
        padding-block: 0.35em;
      }
      @container auto-top-up (min-width: 28em) {
        .fields {
          grid-template-columns: repeat(2, minmax(0, 1fr));
        }
      }
    `,
  ];

  @state() private drafts = new Map<string, Draft>();
  /** The settings as last loaded or saved. */
  @state() private list: AutoTopUpSetting[] = [];
  @state() private cardReturn: CardReturn | null = null;
  /** The last automatic top-up that went through while the portal was open. */
  @state() private fired: Fired | null = null;
  /** Failures the stream reported while the portal was open, by asset (until the settings say it too). */
  @state() private liveFailures = new Map<string, Failure>();
  @state() private cardBusy = false;
  @state() private cardFailure: unknown = null;
  private recheckTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: Array<() => void> = [];

  private readonly settings = new Task(this, {
    task: async (_args, { signal }) => {
      try {
        const settings = await this.client.autoTopUps(signal);
        this.drafts = new Map(settings.map((s) => [s.asset, this.draftOf(s)]));
        this.list = settings;
        if (this.cardReturn === 'saved') this.recheckCard(CARD_RECHECKS);
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
    if (this.stream) {
      this.unsubscribe = [
        this.stream.on('transaction.created', (transaction) => this.onTransaction(transaction)),
        this.stream.on('top_up.updated', (update) => {
          if (update.kind !== 'auto' || update.status !== 'failed') return;
          const failure = { code: update.failure?.code ?? 'unknown', at: new Date().toISOString(), amount: update.amount, live: true };
          this.liveFailures = new Map(this.liveFailures).set(update.asset, failure);
          if (this.fired?.asset === update.asset) this.fired = null;
          this.refreshSoon();
        }),
      ];
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.recheckTimer);
    clearTimeout(this.refreshTimer);
    for (const stop of this.unsubscribe) stop();
    this.unsubscribe = [];
  }

  private onTransaction(transaction: Transaction): void {
    if (transaction.category !== 'auto_top_up') return;
    this.fired = { asset: transaction.asset, amount: transaction.amount, receiptUrl: safeUrl(transaction.receipt_url) };
    const failures = new Map(this.liveFailures);
    failures.delete(transaction.asset);
    this.liveFailures = failures;
    this.refreshSoon();
  }

  /** The customer's one card (every setting carries the same). */
  private get card(): PaymentMethodSummary | null {
    return this.list.find((s) => s.payment_method)?.payment_method ?? null;
  }

  /** Reads the settings again quietly (no skeleton; drafts being edited are kept): now, and once more shortly. */
  private refreshSoon(): void {
    void this.refresh();
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), CARD_RECHECK_MS);
  }

  private async refresh(): Promise<void> {
    try {
      const settings = await this.client.autoTopUps();
      this.list = settings;
      this.drafts = new Map(
        settings.map((s) => {
          const draft = this.drafts.get(s.asset);
          const editing = draft && (draft.touched.size > 0 || draft.saving);
          return [s.asset, editing ? draft : this.draftOf(s)];
        }),
      );
    } catch {
      // The settings on screen stay; Retry and a reload still work.
    }
  }

  /** Until the card saved on Stripe's page shows, reads the settings again a few times. */
  private recheckCard(left: number): void {
    clearTimeout(this.recheckTimer);
    if (left <= 0 || this.card) return;
    this.recheckTimer = setTimeout(async () => {
      await this.refresh();
      this.recheckCard(left - 1);
    }, CARD_RECHECK_MS);
  }

  protected override render(): TemplateResult {
    return html`<section class="card" aria-labelledby="auto-heading">
      <h3 id="auto-heading" part="heading">${this.i18n.t('autoHeading')}</h3>
      <p class="muted intro">${this.i18n.t('autoIntro')}</p>
      ${this.renderCardReturn()} ${this.renderFired()}
      ${this.settings.render({
        initial: () => this.renderSkeleton(5),
        pending: () => this.renderSkeleton(5),
        error: (error) => renderFailure(this.i18n, error, () => void this.settings.run(), 'autoSaveRefused'),
        complete: () =>
          this.list.length === 0
            ? this.renderEmpty(this.i18n.t('autoEmpty'))
            : html`${this.renderCard()}
                <div class="settings">${this.list.map((setting) => this.renderSetting(setting))}</div>`,
      })}
    </section>`;
  }

  private renderCardReturn(): TemplateResult | typeof nothing {
    if (!this.cardReturn) return nothing;
    const saved = this.cardReturn === 'saved';
    return html`<div class="notice ${saved ? 'success' : 'warning'} fired" role="status" part="notice">
      <span class="what">${this.i18n.t(saved ? 'autoCardSaved' : 'autoCardCancelled')}</span>
      <button type="button" part="button" @click=${() => (this.cardReturn = null)}>${this.i18n.t('dismiss')}</button>
    </div>`;
  }

  /** "Auto top-up +$25.00 · Receipt": what just happened, where the customer looks for it. */
  private renderFired(): TemplateResult | typeof nothing {
    const fired = this.fired;
    if (!fired) return nothing;
    const amount = creditAmount(this.i18n, fired.amount, this.accountOf(fired.asset).asset);
    return html`<div class="notice success fired" role="status" part="notice">
      <p class="what">
        <strong>${sentence(this.i18n, 'autoFired', { amount })}</strong>
        ${
          fired.receiptUrl
            ? html`<span aria-hidden="true">·</span>
                <a href=${fired.receiptUrl} target="_blank" rel="noopener noreferrer"
                  >${this.i18n.t('receipt')}<span class="sr-only"> ${this.i18n.t('opensInNewTab')}</span></a
                >`
            : nothing
        }
      </p>
      <button type="button" part="button" @click=${() => (this.fired = null)}>${this.i18n.t('dismiss')}</button>
    </div>`;
  }

  /**
   * The one card of the customer, for every asset: "Visa •••• 4242 · Expires 12/2030", and how to change it (unless
   * a failure notice below offers it already: one button for one action).
   */
  private renderCard(): TemplateResult {
    const i18n = this.i18n;
    const card = this.card;
    const fixOffered = this.list.some((setting) => this.failureOf(setting));
    return html`<div class="method">
        <div>
          <p class="label muted">${i18n.t('autoCardLabel')}</p>
          ${
            card
              ? html`<p>
                  <span class="card-name">${this.cardName(card)}</span>
                  <span class="muted">
                    · ${i18n.t('autoCardExpires', { month: String(card.exp_month).padStart(2, '0'), year: card.exp_year })}</span
                  >
                </p>`
              : html`<p>${i18n.t('autoNoCard')}</p>`
          }
        </div>
        ${
          fixOffered
            ? nothing
            : html`<button type="button" part="button" ?disabled=${this.cardBusy} @click=${() => void this.setUpCard(null)}>
                ${i18n.t(card ? 'autoReplaceCard' : 'autoSaveCard')}
              </button>`
        }
      </div>
      ${this.cardFailure ? renderFailure(i18n, this.cardFailure, () => void this.setUpCard(null), 'failureRefused') : nothing}`;
  }

  private cardName(card: PaymentMethodSummary): TemplateResult {
    // The digits read left to right in every language.
    return html`<bdi dir="ltr">${this.i18n.t('autoCardName', { brand: brandName(card.brand), last4: card.last4 })}</bdi>`;
  }

  /** The wallet account of an asset (a stand-in when the wallet does not list it), for formatting and prices. */
  private accountOf(code: string): PortalAccount {
    const known = this.walletState?.wallet?.accounts.find((a) => a.asset.code === code);
    if (known) return known;
    const currency = this.session?.currency ?? code;
    return {
      id: code,
      asset: { ...assetFromCode(code), name: code, rate: null },
      available: '0',
      fiat_value: null,
      fiat_currency: currency,
      spent_this_month: '0',
      pending_in: '0',
    };
  }

  private renderSetting(setting: AutoTopUpSetting): TemplateResult {
    const i18n = this.i18n;
    const account = this.accountOf(setting.asset);
    const asset = account.asset;
    const draft = this.drafts.get(setting.asset) ?? this.draftOf(setting);
    const id = `auto-${setting.asset}`;
    const limits = this.session?.top_up_limits;
    const threshold = checkAmount(i18n, draft.threshold, account, { zeroAllowed: true });
    const amount = checkAmount(i18n, draft.amount, account, { limits, limited: true });
    // Errors wait until the customer left a field or pressed Save, and only while automatic top-up is on.
    const errorOf = (field: Field, check: { error: string | null }) =>
      draft.serverErrors.get(field) ?? (draft.enabled && (draft.submitted || draft.touched.has(field)) ? check.error : null);
    const errors = { threshold: errorOf('threshold', threshold), amount: errorOf('amount', amount) };
    // Nothing to save while it is off and stays off; the confirmation stays after turning it off.
    const changed = draft.enabled || setting.enabled || draft.saved;
    return html`<form aria-labelledby="${id}-label" @submit=${(event: SubmitEvent) => this.save(event, setting.asset)} novalidate>
      <div class="switch-row">
        <input
          type="checkbox"
          role="switch"
          id="${id}-switch"
          part="input"
          aria-controls="${id}-fields"
          .checked=${draft.enabled}
          @change=${(event: Event) => this.edit(setting.asset, { enabled: (event.target as HTMLInputElement).checked })}
        />
        <label for="${id}-switch" id="${id}-label">${i18n.t('autoEnabled', { asset: i18n.assetName(asset, false) })}</label>
      </div>
      ${this.renderFailureNotice(setting, account)}
      <div class="fields" id="${id}-fields" ?hidden=${!draft.enabled}>
        ${this.renderField(id, 'threshold', i18n.t('autoThreshold'), draft.threshold, errors.threshold, setting.asset, i18n.unitName(asset))}
        ${this.renderField(id, 'amount', i18n.t('autoAmount'), draft.amount, errors.amount, setting.asset, i18n.unitName(asset))}
        ${
          threshold.value !== null && !threshold.error && amount.value !== null && !amount.error
            ? html`<p class="summary">${this.summary(account, threshold.value, amount.value)}</p>`
            : nothing
        }
        ${!this.card ? html`<p class="summary muted">${i18n.t('autoCardNeeded')}</p>` : nothing}
      </div>
      ${setting.status === 'pending' ? html`<p class="muted">${i18n.t('autoPending')}</p>` : nothing}
      ${
        setting.status === 'paused' && !setting.last_error
          ? html`<p class="notice warning" part="notice">${i18n.t('autoPaused')}</p>`
          : nothing
      }
      ${draft.failure ? renderFailure(i18n, draft.failure, () => void this.save(null, setting.asset), 'autoSaveRefused') : nothing}
      ${
        changed
          ? html`<div class="actions">
              <button type="submit" part="button button-primary" class="primary" ?disabled=${draft.saving}>${i18n.t('autoSave')}</button>
              <p role="status">${draft.saved ? i18n.t(setting.enabled ? 'autoSaved' : 'autoOff') : nothing}</p>
            </div>`
          : nothing
      }
    </form>`;
  }

  private renderField(
    id: string,
    field: Field,
    label: string,
    value: string,
    error: string | null,
    asset: string,
    unit: string,
  ): TemplateResult {
    const inputId = `${id}-${field}`;
    return html`<div class="field">
      <label for=${inputId}>${label} (${unit})</label>
      <input
        id=${inputId}
        part="input"
        name=${field}
        inputmode="decimal"
        autocomplete="off"
        .value=${value}
        aria-invalid=${error ? 'true' : 'false'}
        aria-describedby=${error ? `${inputId}-error` : nothing}
        @input=${(event: Event) => this.edit(asset, { [field]: (event.target as HTMLInputElement).value })}
        @blur=${() => this.touch(asset, field)}
      />
      ${error ? html`<p class="field-error" id="${inputId}-error">${error}</p>` : nothing}
    </div>`;
  }

  /** "When your USD balance falls below $90.00, we add $25.00, charged to Visa •••• 4242." */
  private summary(account: PortalAccount, threshold: string, amount: string): TemplateResult {
    const i18n = this.i18n;
    const asset = account.asset;
    const card = this.card;
    const price = priceOf(account, amount);
    const params = {
      asset: asset.fiat ? asset.code : asset.name,
      threshold: i18n.amount(threshold, asset),
      amount: i18n.amount(amount, asset),
      card: card ? this.cardName(card) : i18n.t('autoYourCard'),
      price: price ? i18n.amount(price.amount, price.currency) : i18n.amount(amount, asset),
    };
    return sentence(i18n, asset.fiat || !price ? 'autoSummary' : 'autoSummaryUnits', params);
  }

  /** The failure to tell about: one the stream just reported, else the last one of a setting that is on. */
  private failureOf(setting: AutoTopUpSetting): Failure | null {
    const live = this.liveFailures.get(setting.asset);
    if (live) return live;
    return setting.enabled && setting.last_error ? { ...setting.last_error, amount: setting.amount, live: false } : null;
  }

  /** The last failure: its amount, why, what happens next, and the button that fixes it. Announced when it just happened. */
  private renderFailureNotice(setting: AutoTopUpSetting, account: PortalAccount): TemplateResult | typeof nothing {
    const i18n = this.i18n;
    const failure = this.failureOf(setting);
    if (!failure) return nothing;
    const next =
      setting.status === 'paused'
        ? i18n.t('autoNextPaused')
        : setting.enabled
          ? sentence(i18n, 'autoNextRetry', { threshold: i18n.amount(setting.threshold, account.asset) })
          : nothing;
    return html`<div class="notice danger" role=${failure.live ? 'alert' : nothing} part="notice">
      <p>
        <strong
          >${sentence(i18n, 'autoFailedAt', { amount: i18n.amount(failure.amount, account.asset), date: i18n.dateTime(failure.at) })}</strong
        >
        ${i18n.t(REASONS[failure.code] ?? 'autoReasonOther')}
      </p>
      ${next === nothing ? nothing : html`<p>${next}</p>`}
      <p class="button-row">
        <button type="button" part="button" ?disabled=${this.cardBusy} @click=${() => void this.setUpCard(setting.asset)}>
          ${i18n.t('autoUpdateCard')}
        </button>
      </p>
    </div>`;
  }

  private edit(asset: string, change: Partial<Pick<Draft, 'enabled' | Field>>): void {
    const draft = this.drafts.get(asset);
    if (!draft) return;
    this.drafts = new Map(this.drafts).set(asset, { ...draft, ...change, saved: false, failure: null, serverErrors: new Map() });
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
    const setting = this.list.find((s) => s.asset === asset);
    if (!draft || !setting || draft.saving) return;
    const account = this.accountOf(asset);
    const threshold = checkAmount(this.i18n, draft.threshold, account, { zeroAllowed: true });
    const amount = checkAmount(this.i18n, draft.amount, account, { limits: this.session?.top_up_limits, limited: true });
    const valid = !threshold.error && !amount.error && threshold.value !== null && amount.value !== null;
    if (draft.enabled && !valid) {
      this.drafts = new Map(this.drafts).set(asset, { ...draft, submitted: true, saved: false });
      await this.updateComplete;
      form?.querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus();
      return;
    }
    // Turning it off keeps the last amounts (or the new ones, when they are valid): nothing to correct first.
    const body = {
      enabled: draft.enabled,
      threshold: valid ? threshold.value! : setting.threshold,
      amount: valid ? amount.value! : setting.amount,
      return_url: pageReturnUrl(),
    };
    this.drafts = new Map(this.drafts).set(asset, { ...draft, saving: true, saved: false, failure: null, submitted: true });
    try {
      const result = await this.client.updateAutoTopUp(asset, body);
      const saved = settingOf(result);
      if (saved) this.list = this.list.map((s) => (s.asset === asset ? saved : s));
      const setupUrl = safeUrl(result.setup_url);
      if (setupUrl) {
        // A card must be saved first: Stripe's setup page saves it and comes back to this page.
        this.drafts = new Map(this.drafts).set(asset, { ...(saved ? this.draftOf(saved) : draft), saving: false });
        this.redirect(asset, setupUrl);
        return;
      }
      if (saved) this.drafts = new Map(this.drafts).set(asset, { ...this.draftOf(saved), saved: true });
    } catch (error) {
      this.report(error);
      const fields = serverFieldErrors(error, this.i18n);
      const onFields = fields.has('threshold') || fields.has('amount');
      this.drafts = new Map(this.drafts).set(asset, {
        ...draft,
        saving: false,
        submitted: true,
        serverErrors: onFields ? fields : new Map(),
        failure: onFields ? null : error,
      });
      if (onFields) {
        await this.updateComplete;
        form?.querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus();
      }
    }
  }

  /** Stripe's page that saves the customer's card (a new one replaces the old, for every asset). */
  private async setUpCard(asset: string | null): Promise<void> {
    if (this.cardBusy) return;
    const forAsset = asset ?? this.list.find((s) => s.enabled)?.asset ?? this.list[0]?.asset ?? '';
    this.cardBusy = true;
    this.cardFailure = null;
    try {
      const { setup_url } = await this.client.cardSetup({ asset: forAsset || undefined, return_url: pageReturnUrl() });
      const url = safeUrl(setup_url);
      if (url) this.redirect(forAsset, url);
    } catch (error) {
      this.report(error);
      this.cardFailure = error;
    } finally {
      this.cardBusy = false;
    }
  }

  /** Leaves for Stripe's card setup page, unless the host page cancels `credyt-redirect` to open it itself. */
  private redirect(asset: string, url: string): void {
    if (emit(this, 'credyt-redirect', { reason: 'card_setup', asset, url }, { cancelable: true })) window.location.assign(url);
  }

  private draftOf(setting: AutoTopUpSetting): Draft {
    // Never set up: empty fields to fill in, rather than a "0" that reads like a setting.
    const fresh = !setting.enabled && isZeroDecimal(setting.threshold) && isZeroDecimal(setting.amount);
    const typed = (value: string) => (fresh ? '' : formatDecimalInput(value, this.i18n.locale));
    return {
      enabled: setting.enabled,
      threshold: typed(setting.threshold),
      amount: typed(setting.amount),
      saving: false,
      saved: false,
      failure: null,
      serverErrors: new Map(),
      touched: new Set(),
      submitted: false,
    };
  }
}

/** The real BFF answers the setting (plus `setup_url`); an older one answered only `{ setup_url }`. */
function settingOf(result: AutoTopUpResult): AutoTopUpSetting | null {
  return 'asset' in result ? result : null;
}
