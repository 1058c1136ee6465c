import { html, css, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { Task } from '@lit/task';
import type { PortalAsset, UsageItem, UsagePage } from '@credyt/shared';
import { CursorPages, PortalSection } from './section.ts';

const PAGE_SIZE = 25;

/** Usage history: product, subject, the event's description in a tooltip, the fee description and amount; paged. */
export class UsageSection extends PortalSection {
  static override styles = [
    ...PortalSection.styles,
    css`
      .product {
        display: inline-flex;
        gap: calc(var(--_space) / 2);
        align-items: center;
        position: relative;
      }
      .tip-button {
        min-height: 0;
        width: 1.6em;
        height: 1.6em;
        padding: 0;
        border-radius: 50%;
        font-size: 0.85em;
        line-height: 1;
      }
      [role='tooltip'] {
        display: none;
        position: absolute;
        inset-block-start: calc(100% + 4px);
        inset-inline-start: 0;
        z-index: 1;
        width: max-content;
        max-width: 18em;
        padding: var(--_space);
        border-radius: calc(var(--_radius) * 0.75);
        background: var(--_text);
        color: var(--_bg);
        font-weight: normal;
        white-space: normal;
        overflow-wrap: anywhere;
      }
      .product:is(:hover, :focus-within):not(.dismissed) [role='tooltip'],
      .product.open [role='tooltip'] {
        display: block;
      }
      .fiat {
        display: block;
        color: var(--_muted);
        font-size: 0.9em;
      }
    `,
  ];

  @state() private pages = CursorPages.first();
  /** Items pushed live by the stream onto the first page. */
  @state() private live: UsageItem[] = [];
  /** The tooltip opened by a tap or click (touch has no hover). */
  @state() private openTip: string | null = null;
  @state() private dismissedTip: string | null = null;
  private unsubscribe: (() => void) | null = null;

  private readonly usage = new Task(this, {
    task: async ([cursor], { signal }) => {
      try {
        const page = await this.client.usage({ limit: PAGE_SIZE, cursor }, signal);
        this.live = [];
        return page;
      } catch (error) {
        this.report(error);
        throw error;
      }
    },
    args: () => [this.pages.cursor, this.client] as const,
  });

  override connectedCallback(): void {
    super.connectedCallback();
    this.unsubscribe = this.stream?.on('usage.created', (item) => {
      if (this.pages.page === 1) this.live = [item, ...this.live.filter((i) => i.id !== item.id)];
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  protected override render(): TemplateResult {
    return html`<section class="card" aria-labelledby="usage-heading">
      <h3 id="usage-heading" part="heading">${this.i18n.t('usageHeading')}</h3>
      ${this.usage.render({
        initial: () => this.renderSkeleton(5),
        pending: () => (this.usage.value ? this.renderPage(this.usage.value) : this.renderSkeleton(5)),
        error: (error) => this.renderError(error, () => void this.usage.run()),
        complete: (page) => this.renderPage(page),
      })}
    </section>`;
  }

  private renderPage(page: UsagePage): TemplateResult {
    const seen = new Set(this.live.map((item) => item.id));
    const items = [...this.live, ...page.items.filter((item) => !seen.has(item.id))].slice(0, PAGE_SIZE);
    if (items.length === 0 && this.pages.page === 1) return this.renderEmpty(this.i18n.t('usageEmpty'));
    const t = this.i18n.t.bind(this.i18n);
    return html`<div class="table-wrap">
        <table part="table">
          <caption class="sr-only">
            ${t('usageCaption')}
          </caption>
          <thead>
            <tr>
              <th scope="col">${t('date')}</th>
              <th scope="col">${t('product')}</th>
              <th scope="col">${t('subject')}</th>
              <th scope="col">${t('price')}</th>
              <th scope="col" class="num">${t('amount')}</th>
            </tr>
          </thead>
          <tbody>
            ${items.map((item) => this.renderItem(item))}
          </tbody>
        </table>
      </div>
      ${this.renderPager(
        this.i18n.t('usageHeading'),
        this.pages.page,
        page.next_cursor !== null,
        () => (this.pages = this.pages.previous()),
        () => page.next_cursor && (this.pages = this.pages.next(page.next_cursor)),
      )}`;
  }

  private renderItem(item: UsageItem): TemplateResult {
    const i18n = this.i18n;
    const tipId = `tip-${item.id}`;
    return html`<tr>
      <td>${i18n.dateTime(item.occurred_at)}</td>
      <td>
        <span
          class="product ${this.openTip === item.id ? 'open' : ''} ${this.dismissedTip === item.id ? 'dismissed' : ''}"
          @mouseleave=${() => this.dismissedTip === item.id && (this.dismissedTip = null)}
        >
          ${item.product.name}
          ${
            item.description
              ? html`<button
                    type="button"
                    class="tip-button"
                    part="button"
                    aria-label=${i18n.t('detailsFor', { product: item.product.name })}
                    aria-describedby=${tipId}
                    aria-expanded=${this.openTip === item.id ? 'true' : 'false'}
                    @click=${() => this.toggleTip(item.id)}
                    @keydown=${(event: KeyboardEvent) => event.key === 'Escape' && this.closeTip(item.id)}
                    @blur=${() => this.resetTip(item.id)}
                  >
                    <span aria-hidden="true">i</span>
                  </button>
                  <span role="tooltip" id=${tipId}>${item.description}</span>`
              : nothing
          }
        </span>
      </td>
      <td>${item.subject ?? nothing}</td>
      <td>${item.fee_description}</td>
      <td class="num">
        ${i18n.amount(item.amount, this.assetOf(item.asset))}
        ${
          item.fiat_amount !== null && !this.isFiat(item.asset)
            ? html`<span class="fiat">${i18n.t('approxValue', { amount: i18n.amount(item.fiat_amount, this.session.currency) })}</span>`
            : nothing
        }
      </td>
    </tr>`;
  }

  private assetOf(code: string): PortalAsset | string {
    return this.walletState.wallet?.accounts.find((a) => a.asset.code === code)?.asset ?? code;
  }

  private isFiat(code: string): boolean {
    const asset = this.assetOf(code);
    return typeof asset === 'string' ? asset === this.session.currency : asset.fiat;
  }

  private toggleTip(id: string): void {
    this.dismissedTip = null;
    this.openTip = this.openTip === id ? null : id;
  }

  private resetTip(id: string): void {
    if (this.openTip === id) this.openTip = null;
    if (this.dismissedTip === id) this.dismissedTip = null;
  }

  /** Escape hides the tooltip even while its button keeps focus (WCAG 1.4.13: dismissible). */
  private closeTip(id: string): void {
    this.openTip = null;
    this.dismissedTip = id;
  }
}
