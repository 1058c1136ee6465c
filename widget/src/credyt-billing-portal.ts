import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { provide } from '@lit/context';
import { Task } from '@lit/task';
import type { PortalAccount, PortalSession, PortalWallet, Section, StreamEvents } from '@credyt/shared';
import { ApiError, PortalClient, isAbort, type AuthMode, type Exchanged } from './api/client.ts';
import { PortalStream, type StreamState } from './api/stream.ts';
import { clientContext, i18nContext, sessionContext, streamContext, walletContext, type WalletState } from './context.ts';
import { emit } from './events.ts';
import { I18n, directionOf, loadI18n, resolveLocale } from './i18n/index.ts';
import { en } from './i18n/en.ts';
import { problemOf, safeUrl } from './sections/section.ts';
import { loadSections } from './sections/load.ts';
import { portalStyles } from './credyt-billing-portal.styles.ts';

export type Theme = 'light' | 'dark' | 'auto';

type Phase = 'loading' | 'ready' | 'expired' | 'failed' | 'no-token';

/** Page order of the sections, by the names the `sections` attribute and the session's `features` use. */
const SECTION_ORDER: readonly Section[] = ['wallet', 'top_up', 'auto_top_up', 'spend_history', 'usage_history', 'transactions'];

/** The parts inside the sections, forwarded so the page can style them as `credyt-billing-portal::part(…)`. */
const SECTION_PARTS = 'heading, balance, stat, button, button-primary, input, table, chart, notice, error';

/** How long a balance changed by a live update stays highlighted. */
const HIGHLIGHT_MS = 2000;

/**
 * The Credyt billing portal: a customer's wallet balances, top-ups, auto top-up, spend and usage history and
 * transactions, for a platform that bills in prepaid wallets.
 *
 * ```html
 * <script type="module" src="https://billing.example.com/widget/credyt-billing-portal.js"></script>
 * <credyt-billing-portal api-base="https://billing.example.com" token="…"></credyt-billing-portal>
 * ```
 *
 * @tag credyt-billing-portal
 * @summary A customer billing portal for prepaid wallets.
 *
 * @attr api-base - Origin of the Credyt BFF that answers `/portal/api` (defaults to the page's origin).
 * @attr token - A single-use link token from `POST /billing-portal/sessions`; without it, the hosted page's cookie is used.
 * @attr locale - A BCP 47 locale; otherwise the session's, then the browser's. Catalogs: en, es, ar (right to left).
 * @attr sections - Comma-separated sections to show: `wallet, top_up, auto_top_up, spend_history, usage_history, transactions` (all by default; the platform's features can hide more).
 * @attr theme - `light` (default), `dark`, or `auto` (follows `prefers-color-scheme`).
 *
 * @fires {CustomEvent<{ session: PortalSession }>} credyt-ready - The session is loaded and the sections are shown.
 * @fires {CustomEvent<{ renewing: boolean }>} credyt-session-expired - The session ended; `renewing` is true when `fetchToken` is being asked for a fresh link.
 * @fires {CustomEvent<{ id: string, asset: string, amount: string, redirect_url: string }>} credyt-top-up-started - A top-up was created; the portal is about to go to Stripe Checkout, which returns to this page with `?credyt_top_up=success|cancelled&top_up_id=…`. Cancelable: call `preventDefault()` to redirect yourself.
 * @fires {CustomEvent<{ reason: 'card_setup', asset: string, url: string }>} credyt-redirect - The portal is about to leave the page for another Stripe page than a top-up's Checkout: today the page that saves a card for automatic top-up (Stripe then returns to this page with `?credyt_card=saved|cancelled`). Cancelable: call `preventDefault()` to open `url` yourself.
 * @fires {CustomEvent<Problem>} credyt-error - A call failed; `detail` is the RFC 9457 problem.
 *
 * @csspart portal - The portal's outer box.
 * @csspart header - The header with the platform's logo and name.
 * @csspart logo - The platform's logo.
 * @csspart section - Every section card (each also has `section-<name>`, e.g. `section-wallet`).
 * @csspart heading - Section headings.
 * @csspart balance - One balance in the wallet section.
 * @csspart stat - The month's total spend, a card beside the balances.
 * @csspart button - Buttons and button-like links.
 * @csspart button-primary - The main action of a form (pay, save).
 * @csspart input - Text fields, selects and checkboxes.
 * @csspart table - Data tables (usage, transactions, spend).
 * @csspart chart - The spend chart's box.
 * @csspart notice - Warnings and confirmations.
 * @csspart error - Error states with their Retry button.
 * @csspart footer - Links to the platform's support and terms.
 *
 * @cssprop [--credyt-color-primary=#4f46e5] - Buttons and highlights (defaults to the platform's brand colour).
 * @cssprop [--credyt-color-on-primary=#ffffff] - Text on the primary colour.
 * @cssprop [--credyt-color-link] - Links (the primary colour in light theme).
 * @cssprop [--credyt-color-focus] - The focus ring.
 * @cssprop [--credyt-color-background=#ffffff] - The portal's background.
 * @cssprop [--credyt-color-surface=#f8fafc] - Section cards.
 * @cssprop [--credyt-color-text=#0f172a] - Text.
 * @cssprop [--credyt-color-muted=#475569] - Secondary text.
 * @cssprop [--credyt-color-border=#e2e8f0] - Card and table borders.
 * @cssprop [--credyt-color-border-strong=#64748b] - Form field borders.
 * @cssprop [--credyt-color-danger=#b91c1c] - Errors and negative balances.
 * @cssprop [--credyt-color-warning=#92400e] - Warnings (low balance, offline).
 * @cssprop [--credyt-color-success=#166534] - Confirmations.
 * @cssprop [--credyt-font-family=system-ui] - The font (defaults to the platform's brand font).
 * @cssprop [--credyt-font-size=14px] - The base font size; everything scales from it.
 * @cssprop [--credyt-radius=8px] - Corner radius.
 * @cssprop [--credyt-spacing=8px] - The spacing unit.
 * @cssprop [--credyt-density=1] - Multiplies the spacing: 0.75 is compact, 1.25 airy.
 */
export class CredytBillingPortal extends LitElement {
  static override styles = portalStyles;

  /** Origin of the Credyt BFF (`{PUBLIC_URL}`); empty means the page's own origin. */
  @property({ attribute: 'api-base' }) apiBase = '';

  /** The single-use link token to exchange for a session. */
  @property() token: string | null = null;

  /** Overrides the session's and the browser's locale. */
  @property() locale: string | null = null;

  /** Comma-separated sections to show. */
  @property() sections: string | null = null;

  @property({ reflect: true }) theme: Theme = 'light';

  /**
   * Called when the session expires, for a fresh link token (e.g. from your server's
   * `POST /billing-portal/sessions`); without it the portal shows an expired state with a way back.
   */
  @property({ attribute: false }) fetchToken: (() => Promise<string>) | null = null;

  @provide({ context: clientContext }) @state() private client: PortalClient | undefined;
  @provide({ context: sessionContext }) @state() private session: PortalSession | undefined;
  @provide({ context: i18nContext }) @state() private i18n = new I18n('en', en, 'ltr');
  @provide({ context: streamContext }) @state() private stream: PortalStream | undefined;
  @provide({ context: walletContext }) @state() private walletState: WalletState = {
    status: 'loading',
    wallet: null,
    error: null,
    recentlyUpdated: new Set(),
    reload: () => void this.walletTask.run(),
  };

  @state() private phase: Phase = 'loading';
  /**
   * The balances paint first: the other sections (their rendering, requests and the chart chunk) follow in the
   * next frame, so on a busy device they don't hold back what the customer came for.
   */
  @state() private restShown = false;
  private restPending = false;
  /** The sections' chunk failed to download (offline, a deploy in between): shown with a Retry. */
  @state() private sectionsError: unknown = null;
  @state() private streamState: StreamState = 'closed';
  private renewal: Promise<boolean> | null = null;
  private exchanged: { apiBase: string; token: string } | null = null;
  private highlightTimers = new Map<string, ReturnType<typeof setTimeout>>();

  private readonly sessionTask = new Task(this, {
    task: ([apiBase, token], { signal }) => this.openSession(apiBase, token, signal),
    args: () => [this.apiBase, this.token] as const,
  });

  /** The wallet, requested alongside the session (not after it) so the first balances paint one round trip sooner. */
  private prefetchedWallet: Promise<PortalWallet> | null = null;

  private readonly walletTask = new Task(this, {
    autoRun: false,
    task: async (_args, { signal }) => {
      const prefetched = this.prefetchedWallet;
      this.prefetchedWallet = null;
      this.setWallet({ status: 'loading', error: null });
      try {
        if (prefetched) return await prefetched;
      } catch (error) {
        // A 401 goes through the usual renewal now, in order, after the session was shown.
        if (!(error instanceof ApiError && error.status === 401)) throw error;
      }
      return this.client!.wallet(signal);
    },
    args: () => [] as const,
    onComplete: (wallet) => {
      this.setWallet({ status: 'ready', wallet, error: null });
      this.showRestAfterPaint();
    },
    onError: (error) => {
      this.showRestAfterPaint();
      if (isAbort(error)) return;
      this.setWallet({ status: 'error', error: error instanceof ApiError ? error : null });
      emit(this, 'credyt-error', problemOf(error));
    },
  });

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.phase === 'ready') this.stream?.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Frameworks move elements around; the stream restarts on reconnect, the session is kept.
    this.stream?.stop();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('locale')) void this.applyLocale();
  }

  protected override updated(): void {
    // The host carries the direction and language so the page's own `:dir()`/`:lang()` rules see them too.
    if (this.getAttribute('dir') !== this.i18n.dir) this.setAttribute('dir', this.i18n.dir);
    if (this.getAttribute('lang') !== this.i18n.lang) this.setAttribute('lang', this.i18n.lang);
    this.applyBranding();
  }

  /**
   * The platform's brand reaches the styles as private `--_brand-*` properties on the host, set through the CSSOM:
   * a strict CSP (`style-src` without 'unsafe-inline') blocks inline `style` attributes in markup, not
   * `style.setProperty`. The styles read them *under* the page's `--credyt-*` values, so the page still wins.
   */
  private applyBranding(): void {
    const brand = this.session?.platform.branding;
    for (const [property, value] of [
      ['--_brand-primary', brand?.primary_color],
      ['--_brand-font', brand?.font_family],
    ] as const) {
      if (value) {
        if (this.style.getPropertyValue(property) !== value) this.style.setProperty(property, value);
      } else if (this.style.getPropertyValue(property)) {
        this.style.removeProperty(property);
      }
    }
  }

  /** Exchanges the link token (embedded) or relies on the cookie (hosted), then loads the session. */
  private async openSession(apiBase: string, token: string | null, signal: AbortSignal): Promise<PortalSession | null> {
    this.stream?.stop();
    this.phase = 'loading';
    const mode: AuthMode | null = token ? 'bearer' : sameOrigin(apiBase) ? 'cookie' : null;
    if (!mode) {
      this.phase = 'no-token';
      return null;
    }
    // A link token signs in once: a retry after a later failure reuses the access token it gave.
    const reuse = this.client?.accessToken && this.exchanged?.apiBase === apiBase && this.exchanged.token === token;
    const client = reuse ? this.client! : new PortalClient({ apiBase, mode, onUnauthorized: () => this.renew() });
    this.client = client;
    try {
      let opened: Exchanged | null = null;
      if (token && !reuse) {
        const exchanging = this.exchange(client, token, signal);
        prepareLocale([this.locale, navigator.language]);
        opened = await exchanging;
        this.exchanged = { apiBase, token };
      }
      // The exchange usually answers with the session and wallet too; otherwise read both at once.
      const wallet = opened?.wallet ? Promise.resolve(opened.wallet) : client.wallet(signal, false);
      wallet.catch(() => undefined); // read (and reported) by the wallet task; unread if the session fails
      this.prefetchedWallet = wallet;
      const reading = opened?.session ? null : client.session(signal);
      prepareLocale([this.locale, navigator.language]); // once the requests are out (done already after an exchange)
      const session = opened?.session ?? (await reading!);
      this.session = session;
      await this.applyLocale();
      signal.throwIfAborted();
      this.phase = 'ready';
      this.startStream(client);
      void this.walletTask.run();
      emit(this, 'credyt-ready', { session });
      return session;
    } catch (error) {
      this.prefetchedWallet = null;
      if (!isAbort(error) && (this.phase as Phase) !== 'expired') {
        this.phase = 'failed';
        emit(this, 'credyt-error', problemOf(error));
      }
      throw error;
    }
  }

  private async exchange(client: PortalClient, token: string, signal: AbortSignal): Promise<Exchanged | null> {
    try {
      return await client.exchange(token, signal);
    } catch (error) {
      // A used or expired link: the same path as a session that ends later.
      if (!(error instanceof ApiError && error.status === 401 && (await this.renew()))) throw error;
      return null;
    }
  }

  /** On a 401 anywhere: tell the page, then get a fresh link from `fetchToken` or show the expired state. */
  private renew(): Promise<boolean> {
    this.renewal ??= this.renewSession().finally(() => (this.renewal = null));
    return this.renewal;
  }

  private async renewSession(): Promise<boolean> {
    if (this.phase === 'expired') return false;
    const client = this.client;
    const fetchToken = client?.mode === 'bearer' ? this.fetchToken : null;
    emit(this, 'credyt-session-expired', { renewing: fetchToken !== null });
    if (client && fetchToken) {
      try {
        const token = await fetchToken();
        await client.exchange(token);
        return true;
      } catch (error) {
        emit(this, 'credyt-error', problemOf(error));
      }
    }
    this.phase = 'expired';
    this.stream?.stop();
    return false;
  }

  private async applyLocale(): Promise<void> {
    const wanted = () => resolveLocale([this.locale, this.session?.locale, navigator.language]);
    const locale = wanted();
    if (this.i18n.locale === locale && this.i18n.complete) return;
    // The direction is known before the catalog arrives: take it now, so the page does not mirror (and shift)
    // once the words are in.
    const dir = directionOf(locale);
    if (this.i18n.dir !== dir) this.i18n = new I18n(locale, en, dir, false);
    const i18n = await loadI18n(locale);
    if (wanted() === locale) this.i18n = i18n;
  }

  private startStream(client: PortalClient): void {
    const stream = new PortalStream(client);
    stream.addEventListener('statechange', () => (this.streamState = stream.state));
    stream.on('wallet.updated', (update) => this.applyWalletUpdate(update));
    this.stream = stream;
    if (this.isConnected) stream.start();
  }

  private showRestAfterPaint(): void {
    if (this.restShown || this.restPending) return;
    this.restPending = true;
    // rAF runs before the frame that paints the balances; the task after it runs once that frame is out. The
    // sections' chunk has usually arrived by then (it downloads while the link is exchanged).
    const painted = new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
    void Promise.all([painted, loadSections()]).then(
      () => (this.restShown = true),
      (error: unknown) => {
        this.restPending = false;
        this.sectionsError = error;
      },
    );
  }

  private setWallet(change: Partial<WalletState>): void {
    this.walletState = { ...this.walletState, ...change };
  }

  private applyWalletUpdate({ account, spent_this_month }: StreamEvents['wallet.updated']): void {
    const wallet = this.walletState.wallet;
    if (!wallet) return;
    const known = wallet.accounts.some((a) => a.id === account.id);
    const accounts: PortalAccount[] = known
      ? wallet.accounts.map((a) => (a.id === account.id ? account : a))
      : [...wallet.accounts, account];
    const next: PortalWallet = { accounts, spent_this_month };
    this.setWallet({ wallet: next, recentlyUpdated: new Set([...this.walletState.recentlyUpdated, account.id]) });
    clearTimeout(this.highlightTimers.get(account.id));
    this.highlightTimers.set(
      account.id,
      setTimeout(() => {
        const remaining = new Set(this.walletState.recentlyUpdated);
        remaining.delete(account.id);
        this.setWallet({ recentlyUpdated: remaining });
      }, HIGHLIGHT_MS),
    );
  }

  /** The sections to show: the `sections` attribute (default all), minus what the platform turned off. */
  private visibleSections(): Set<Section> {
    const requested = this.sections
      ?.split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const features = this.session?.features;
    return new Set(
      SECTION_ORDER.filter(
        (name) =>
          (!requested || requested.includes(name)) && (name === 'wallet' || !features || features[name as keyof typeof features] !== false),
      ),
    );
  }

  protected override render(): TemplateResult {
    const platform = this.session?.platform;
    const brand = platform?.branding;
    const label = platform ? this.i18n.t('portalLabel', { name: platform.name }) : this.i18n.t('billing');
    return html`<section class="portal" part="portal" aria-label=${label} dir=${this.i18n.dir} lang=${this.i18n.lang}>
      <header part="header">
        ${safeUrl(brand?.logo_url) ? html`<img part="logo" src=${safeUrl(brand?.logo_url)!} alt="" />` : nothing}
        <h2>${label}</h2>
      </header>
      ${this.renderOfflineHint()} ${this.renderPhase()} ${this.renderFooter()}
    </section>`;
  }

  private renderPhase(): TemplateResult {
    const t = this.i18n.t.bind(this.i18n);
    switch (this.phase) {
      case 'failed':
        return html`<div class="state error" role="alert" part="error">
          <p>${t('errorTitle')} ${this.failureDetail()}</p>
          <button type="button" part="button" @click=${() => void this.sessionTask.run()}>${t('retry')}</button>
        </div>`;
      case 'expired':
        return this.renderExpired();
      case 'no-token':
        return html`<div class="state" role="alert">
          <p>${t('missingToken', { name: this.platformName() })}</p>
        </div>`;
      case 'loading':
      case 'ready':
        return this.renderSections();
    }
  }

  private failureDetail(): string {
    const error = this.sessionTask.error;
    if (error instanceof ApiError) return error.isNetwork ? this.i18n.t('networkError') : error.problem.detail;
    return '';
  }

  private platformName(): string {
    return this.session?.platform.name ?? new URL(this.apiBase || location.href, location.href).host;
  }

  private renderExpired(): TemplateResult {
    const t = this.i18n.t.bind(this.i18n);
    const back = safeUrl(this.session?.return_url);
    return html`<div class="state" role="alert">
      <h3>${t('expiredTitle')}</h3>
      <p>${t('expiredBody')}</p>
      ${back ? html`<a class="button" href=${back} part="button">${t('expiredBack', { name: this.platformName() })}</a>` : nothing}
    </div>`;
  }

  /**
   * The sections, and while the session loads the same page in outline: the wallet section itself (its skeleton
   * has the balances' final size, and the same element then shows them) and an outline card per other section.
   * The balances paint first; the other sections take their outlines' place a frame later.
   */
  private renderSections(): TemplateResult {
    const visible = this.visibleSections();
    const loading = this.phase !== 'ready';
    const outline = loading || (visible.has('wallet') && !this.restShown);
    return html`${loading ? nothing : html`<credyt-portal-checkout-return exportparts=${SECTION_PARTS}></credyt-portal-checkout-return>`}
      <div class="sections" aria-busy=${loading ? 'true' : 'false'}>
        ${
          visible.has('wallet')
            ? html`<credyt-portal-wallet class="wide" part="section section-wallet" exportparts=${SECTION_PARTS}></credyt-portal-wallet>`
            : nothing
        }
        ${outline ? nothing : this.renderRest(visible)}
      </div>
      ${
        this.sectionsError
          ? html`<div class="state error" role="alert" part="error">
              <p>${this.i18n.t('networkError')}</p>
              <button
                type="button"
                part="button"
                @click=${() => {
                  this.sectionsError = null;
                  this.showRestAfterPaint();
                }}
              >
                ${this.i18n.t('retry')}
              </button>
            </div>`
          : outline
            ? this.renderOutline(visible)
            : nothing
      }
      ${loading ? html`<p class="sr-only" role="status">${this.i18n.t('loading')}</p>` : nothing}`;
  }

  /** An outline card per section still to come, where it will be (the two top-up sections share a row). */
  private renderOutline(visible: ReadonlySet<Section>): TemplateResult | typeof nothing {
    const paired = visible.has('top_up') && visible.has('auto_top_up');
    const coming = [...visible].filter((name) => name !== 'wallet');
    if (coming.length === 0) return nothing;
    return html`<div class="outline" aria-hidden="true">
      ${coming.map(
        (name) =>
          html`<div class="placeholder ${paired && (name === 'top_up' || name === 'auto_top_up') ? '' : 'wide'}">
            <span class="bone heading"></span><span class="bone"></span><span class="bone"></span><span class="bone short"></span>
          </div>`,
      )}
    </div>`;
  }

  private renderRest(visible: ReadonlySet<Section>): TemplateResult {
    const paired = visible.has('top_up') && visible.has('auto_top_up');
    const part = (name: string) => `section section-${name}`;
    return html`
      ${
        visible.has('top_up')
          ? html`<credyt-portal-top-up
              class=${paired ? '' : 'wide'}
              part=${part('top-up')}
              exportparts=${SECTION_PARTS}
            ></credyt-portal-top-up>`
          : nothing
      }
      ${
        visible.has('auto_top_up')
          ? html`<credyt-portal-auto-top-up
              class=${paired ? '' : 'wide'}
              part=${part('auto-top-up')}
              exportparts=${SECTION_PARTS}
            ></credyt-portal-auto-top-up>`
          : nothing
      }
      ${
        visible.has('spend_history')
          ? html`<credyt-portal-spend class="wide" part=${part('spend')} exportparts=${SECTION_PARTS}></credyt-portal-spend>`
          : nothing
      }
      ${
        visible.has('usage_history')
          ? html`<credyt-portal-usage class="wide" part=${part('usage')} exportparts=${SECTION_PARTS}></credyt-portal-usage>`
          : nothing
      }
      ${
        visible.has('transactions')
          ? html`<credyt-portal-transactions
              class="wide"
              part=${part('transactions')}
              exportparts=${SECTION_PARTS}
            ></credyt-portal-transactions>`
          : nothing
      }
    `;
  }

  private renderOfflineHint(): TemplateResult | typeof nothing {
    if (this.phase !== 'ready' || this.streamState !== 'offline') return nothing;
    return html`<p class="offline" role="status" part="notice">
      ${navigator.onLine ? this.i18n.t('reconnecting') : this.i18n.t('offline')}
    </p>`;
  }

  private renderFooter(): TemplateResult | typeof nothing {
    const urls = this.session?.platform.urls;
    const support = safeUrl(urls?.support_url);
    const terms = safeUrl(urls?.terms_url);
    if (!support && !terms) return nothing;
    return html`<footer part="footer">
      ${support ? html`<a class="tap" href=${support} target="_blank" rel="noopener">${this.i18n.t('support')}</a>` : nothing}
      ${terms ? html`<a class="tap" href=${terms} target="_blank" rel="noopener">${this.i18n.t('terms')}</a>` : nothing}
    </footer>`;
  }
}

let localePrepared = false;

/**
 * What the first balances need that does not depend on the session, done while its request is out rather than
 * between the wallet's arrival and its first paint, once per page. The first `Intl` object of a kind loads locale
 * data that every later one reuses (measured in Chromium: 20–80 ms for the first NumberFormat, then under 1 ms
 * each; the first DateTimeFormat and DisplayNames 5–20 ms each), so one of each is made now, a task each, so an
 * early answer waits behind one of them at most. The catalog of the likely locale (the attribute's, else the
 * browser's; the session's may still differ) starts downloading.
 */
function prepareLocale(locales: ReadonlyArray<string | null | undefined>): void {
  if (localePrepared) return;
  localePrepared = true;
  const locale = resolveLocale(locales);
  loadI18n(locale).catch(() => undefined); // loaded again, and any failure reported, when the locale is applied
  const steps: Array<() => void> = [
    () => {
      new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD' }).format(0);
      new Intl.PluralRules(locale).select(1);
    },
    () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(0),
    () => new Intl.DisplayNames(locale, { type: 'currency' }).of('USD'),
  ];
  const next = () => {
    steps.shift()?.();
    if (steps.length > 0) setTimeout(next);
  };
  setTimeout(next);
}

function sameOrigin(apiBase: string): boolean {
  try {
    return new URL(apiBase || location.href, location.href).origin === location.origin;
  } catch {
    return false;
  }
}
