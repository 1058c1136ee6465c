import { html, css, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { Task } from '@lit/task';
import type { Category, PortalAsset, Transaction, TransactionsPage } from '@credyt/shared';
import type { TransactionsQuery } from '../api/client.ts';
import type { MessageKey } from '../i18n/index.ts';
import { CursorPages, PortalSection, safeUrl } from './section.ts';

/** The contract's categories (kept here rather than imported: the shared module's value pulls zod into the bundle). */
export const CATEGORIES = ['top_up', 'auto_top_up', 'usage', 'fee', 'refund', 'gift', 'adjustment'] as const satisfies readonly Category[];

const PAGE_SIZE = 20;
const MONTHS_BACK = 12;

interface Filters {
  month: string;
  asset: string;
  category: Category | '';
}

/** Transactions: month, asset and category filters, cursor paging, CSV download and receipts for top-ups. */
export class TransactionsSection extends PortalSection {
  static override styles = [
    ...PortalSection.styles,
    css`
      .filters {
        display: flex;
        flex-wrap: wrap;
        gap: var(--_space);
        align-items: end;
        margin-bottom: calc(var(--_space) * 1.5);
      }
      .filters .download {
        margin-inline-start: auto;
      }
      .category {
        display: block;
        color: var(--_muted);
        font-size: 0.9em;
      }
    `,
  ];

  @state() private filters: Filters = { month: '', asset: '', category: '' };
  @state() private pages = CursorPages.first();
  @state() private live: Transaction[] = [];
  @state() private downloadError: unknown = null;
  private unsubscribe: (() => void) | null = null;

  private readonly transactions = new Task(this, {
    task: async ([filters, cursor], { signal }) => {
      try {
        const page = await this.client.transactions({ ...this.query(filters), limit: PAGE_SIZE, cursor }, signal);
        this.live = [];
        return page;
      } catch (error) {
        this.report(error);
        throw error;
      }
    },
    args: () => [this.filters, this.pages.cursor, this.client] as const,
  });

  override connectedCallback(): void {
    super.connectedCallback();
    this.unsubscribe = this.stream?.on('transaction.created', (transaction) => {
      if (this.pages.page === 1 && this.matchesFilters(transaction)) {
        this.live = [transaction, ...this.live.filter((t) => t.id !== transaction.id)];
      }
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  protected override render(): TemplateResult {
    return html`<section class="card" aria-labelledby="transactions-heading">
      <h3 id="transactions-heading" part="heading">${this.i18n.t('transactionsHeading')}</h3>
      ${this.renderFilters()} ${this.downloadError ? this.renderError(this.downloadError, () => void this.download()) : nothing}
      ${this.transactions.render({
        initial: () => this.renderSkeleton(5),
        pending: () => (this.transactions.value ? this.renderPage(this.transactions.value) : this.renderSkeleton(5)),
        error: (error) => this.renderError(error, () => void this.transactions.run()),
        complete: (page) => this.renderPage(page),
      })}
    </section>`;
  }

  private renderFilters(): TemplateResult {
    const t = this.i18n.t.bind(this.i18n);
    const assets = this.walletState.wallet?.accounts.map((account) => account.asset) ?? [];
    return html`<div class="filters" role="search" aria-label=${t('transactionsHeading')}>
      <label
        >${t('filterMonth')}
        <select part="input" name="month" @change=${(e: Event) => this.filter({ month: valueOf(e) })}>
          <option value="">${t('allMonths')}</option>
          ${recentMonths(new Date(), MONTHS_BACK).map(
            (month) => html`<option value=${month} ?selected=${this.filters.month === month}>${this.i18n.month(month)}</option>`,
          )}
        </select>
      </label>
      <label
        >${t('filterAsset')}
        <select part="input" name="asset" @change=${(e: Event) => this.filter({ asset: valueOf(e) })}>
          <option value="">${t('allAssets')}</option>
          ${assets.map((asset) => html`<option value=${asset.code} ?selected=${this.filters.asset === asset.code}>${asset.name}</option>`)}
        </select>
      </label>
      <label
        >${t('filterCategory')}
        <select part="input" name="category" @change=${(e: Event) => this.filter({ category: valueOf(e) as Category | '' })}>
          <option value="">${t('allCategories')}</option>
          ${CATEGORIES.map(
            (category) =>
              html`<option value=${category} ?selected=${this.filters.category === category}>${this.categoryName(category)}</option>`,
          )}
        </select>
      </label>
      <a
        class="button download"
        part="button"
        href=${this.client.transactionsCsvUrl(this.query(this.filters))}
        download="transactions.csv"
        @click=${this.onDownloadClick}
        >${t('downloadCsv')}</a
      >
    </div>`;
  }

  private renderPage(page: TransactionsPage): TemplateResult {
    const seen = new Set(this.live.map((t) => t.id));
    const items = [...this.live, ...page.items.filter((item) => !seen.has(item.id))];
    if (items.length === 0 && this.pages.page === 1) return this.renderEmpty(this.i18n.t('transactionsEmpty'));
    const t = this.i18n.t.bind(this.i18n);
    return html`<div class="table-wrap">
        <table part="table">
          <caption class="sr-only">
            ${t('transactionsCaption')}
          </caption>
          <thead>
            <tr>
              <th scope="col">${t('date')}</th>
              <th scope="col">${t('description')}</th>
              <th scope="col" class="num">${t('amount')}</th>
              <th scope="col" class="num">${t('balanceAfter')}</th>
              <th scope="col"><span class="sr-only">${t('receipt')}</span></th>
            </tr>
          </thead>
          <tbody>
            ${items.map((item) => this.renderItem(item))}
          </tbody>
        </table>
      </div>
      ${this.renderPager(
        this.i18n.t('transactionsHeading'),
        this.pages.page,
        page.next_cursor !== null,
        () => (this.pages = this.pages.previous()),
        () => page.next_cursor && (this.pages = this.pages.next(page.next_cursor)),
      )}`;
  }

  private renderItem(item: Transaction): TemplateResult {
    const asset = this.assetOf(item.asset);
    const receipt = safeUrl(item.receipt_url);
    return html`<tr>
      <td>${this.i18n.dateTime(item.created_at)}</td>
      <td>${item.description}<span class="category">${this.categoryName(item.category)}</span></td>
      <td class="num">${this.i18n.amount(item.amount, asset)}</td>
      <td class="num">${this.i18n.amount(item.balance_after, asset)}</td>
      <td>
        ${
          receipt
            ? html`<a
                href=${receipt}
                target="_blank"
                rel="noopener noreferrer"
                aria-label=${this.i18n.t('receiptFor', { description: item.description })}
                >${this.i18n.t('receipt')}</a
              >`
            : nothing
        }
      </td>
    </tr>`;
  }

  private categoryName(category: Category): string {
    return this.i18n.t(`category_${category}` satisfies MessageKey);
  }

  private assetOf(code: string): PortalAsset | string {
    return this.walletState.wallet?.accounts.find((a) => a.asset.code === code)?.asset ?? code;
  }

  private query(filters: Filters): TransactionsQuery {
    return {
      ...(filters.month ? { month: filters.month } : {}),
      ...(filters.asset ? { asset: filters.asset } : {}),
      ...(filters.category ? { category: filters.category } : {}),
    };
  }

  private matchesFilters(transaction: Transaction): boolean {
    const { month, asset, category } = this.filters;
    return (
      (!month || transaction.created_at.startsWith(month)) &&
      (!asset || transaction.asset === asset) &&
      (!category || transaction.category === category)
    );
  }

  private filter(change: Partial<Filters>): void {
    this.filters = { ...this.filters, ...change };
    this.pages = CursorPages.first();
  }

  /** A bearer token cannot ride on a link: fetch the CSV and hand the browser a Blob URL to save. */
  private readonly onDownloadClick = (event: MouseEvent): void => {
    if (this.client.mode === 'cookie') return;
    event.preventDefault();
    void this.download();
  };

  private async download(): Promise<void> {
    this.downloadError = null;
    try {
      const blob = await this.client.transactionsCsv(this.query(this.filters));
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = 'transactions.csv';
      this.renderRoot.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      this.downloadError = error;
      this.report(error);
    }
  }
}

function valueOf(event: Event): string {
  return (event.target as HTMLSelectElement).value;
}

/** This month and the ones before it, as `YYYY-MM`, in the customer's calendar. */
export function recentMonths(today: Date, count: number): string[] {
  return Array.from({ length: count }, (_, back) => {
    const date = new Date(today.getFullYear(), today.getMonth() - back, 1);
    return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}`;
  });
}
