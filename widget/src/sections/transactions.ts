import { html, css, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { Task } from '@lit/task';
import { isGenericDescription } from '@credyt/shared/descriptions';
import type { Category, PortalAsset, Transaction, TransactionsPage, TransactionView, UsageGroup, UsageItem } from '@credyt/shared';
import type { TransactionsQuery } from '../api/client.ts';
import type { PortalStream } from '../api/stream.ts';
import type { MessageKey } from '../i18n/index.ts';
import { LedgerSection, separated, type LedgerColumn } from '../internal/ledger-table.ts';
import { CursorPages, listScales, localDay, localTimeZone, safeUrl } from './section.ts';

/** The contract's categories (kept here rather than imported: the shared module's value pulls zod into the bundle). */
export const CATEGORIES = ['top_up', 'auto_top_up', 'usage', 'fee', 'refund', 'gift', 'adjustment'] as const satisfies readonly Category[];

const PAGE_SIZE = 20;
const MONTHS_BACK = 12;
const GROUP_PAGE = 25;

interface Filters {
  month: string;
  asset: string;
  category: Category | '';
  view: TransactionView;
}

/** The events of a grouped row, read when it is opened. */
interface GroupEvents {
  items: UsageItem[];
  next: string | null;
  loading: boolean;
  error: unknown;
}

/**
 * Transactions: month, asset, category and view filters, cursor paging with the total, CSV download and receipts
 * for top-ups. By default a day's usage of a product is one row that opens to its events; "Every entry" lists
 * each ledger entry with the balance after it. Dates are when things happened.
 */
export class TransactionsSection extends LedgerSection {
  static override styles = [
    ...LedgerSection.styles,
    css`
      /*
       * As many filters to a row as fit at 14em each, sharing the row evenly; one to a row on a phone. 14em holds the
       * longest options whole ("septiembre de 2026", "Dólar estadounidense", "Recarga automática"). The download
       * sits after them, at the end of the last row.
       */
      .filters {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 14em), 1fr));
        gap: var(--_space);
        align-items: end;
        margin-bottom: calc(var(--_space) * 1.5);
      }
      .filters select {
        width: 100%;
      }
      .filters .download {
        grid-column: -2 / -1;
        justify-self: end;
        text-align: center;
      }
      .category {
        display: block;
        color: var(--_muted);
        font-size: 0.9em;
      }
    `,
  ];

  protected readonly columns: readonly LedgerColumn[] = [
    { label: 'date' },
    { label: 'description' },
    { label: 'amount', num: true },
    { label: 'balanceAfter', num: true },
    { label: 'receipt', srOnly: true },
  ];
  protected readonly pageSize = PAGE_SIZE;

  @state() private filters: Filters = { month: '', asset: '', category: '', view: 'grouped' };
  @state() private live: Transaction[] = [];
  @state() private downloadError: unknown = null;
  @state() private groupEvents = new Map<string, GroupEvents>();

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

  /** The list's size for these filters, asked beside the first page so the page never waits for the count. */
  private readonly counting = new Task(this, {
    task: async ([filters, client], { signal }) => {
      this.total = null;
      const page = await client.transactions({ ...this.query(filters), limit: 1, total: true }, signal);
      this.total = page.total ?? null;
    },
    args: () => [this.filters, this.client] as const,
  });

  /** Usage pushed live into the grouped view changes a day's sum, read again; any other entry goes on top. */
  protected override follow(stream: PortalStream): () => void {
    return stream.on('transaction.created', (transaction) => {
      if (this.pages.page !== 1 || !this.matchesFilters(transaction)) return;
      if (this.filters.view === 'grouped' && transaction.category === 'usage') {
        this.refreshSoon(this.transactions);
        return;
      }
      if (!this.live.some((t) => t.id === transaction.id)) this.countPushed();
      this.live = [transaction, ...this.live.filter((t) => t.id !== transaction.id)];
    });
  }

  protected override render(): TemplateResult {
    return html`<section class="card" aria-labelledby="transactions-heading">
      <h3 id="transactions-heading" part="heading">${this.i18n.t('transactionsHeading')}</h3>
      ${this.renderFilters()} ${this.downloadError ? this.renderError(this.downloadError, () => void this.download()) : nothing}
      ${this.renderList(this.transactions, (page) => this.renderPage(page))}
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
          ${assets.map(
            (asset) =>
              html`<option value=${asset.code} ?selected=${this.filters.asset === asset.code}>${this.i18n.assetName(asset)}</option>`,
          )}
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
      <label
        >${t('filterView')}
        <select part="input" name="view" @change=${(e: Event) => this.filter({ view: valueOf(e) as TransactionView })}>
          <option value="grouped" ?selected=${this.filters.view === 'grouped'}>${t('viewGrouped')}</option>
          <option value="entries" ?selected=${this.filters.view === 'entries'}>${t('viewEntries')}</option>
        </select>
      </label>
      <a
        class="button download tap"
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
    // Every entry is the ledger: each amount at the list's scale per asset, so digits line up down the running
    // balance. The grouped view shows no running balance, and a $25.00 top-up reads better as charged.
    const scales =
      this.filters.view === 'entries'
        ? listScales(items.flatMap((item) => [item, { asset: item.asset, amount: item.balance_after }]))
        : new Map<string, number>();
    return this.renderLedger({
      caption: 'transactionsCaption',
      heading: 'transactionsHeading',
      empty: 'transactionsEmpty',
      rows: items.map((item) => (item.group ? this.renderGroup(item, item.group, scales) : this.renderItem(item, scales))),
      nextCursor: page.next_cursor,
    });
  }

  private renderItem(item: Transaction, scales: Map<string, number>): TemplateResult {
    const asset = this.assetOf(item.asset);
    const receipt = safeUrl(item.receipt_url);
    const described = this.describe(item, asset);
    return html`<tbody>
      <tr>
        <td><time datetime=${item.occurred_at}>${this.i18n.dateTime(item.occurred_at)}</time></td>
        <td>${described.title}${described.category ? html`<span class="category">${described.category}</span>` : nothing}</td>
        <td class="num lead"><bdi>${this.exact(item.amount, asset, scales.get(item.asset))}</bdi></td>
        <td class="num" data-label=${this.i18n.t('balanceAfter')}>
          <bdi>${this.exact(item.balance_after, asset, scales.get(item.asset))}</bdi>
        </td>
        <td>
          ${
            receipt
              ? html`<a
                  class="tap"
                  href=${receipt}
                  target="_blank"
                  rel="noopener noreferrer"
                  aria-label=${this.i18n.t('receiptFor', { description: described.title })}
                  >${this.i18n.t('receipt')}</a
                >`
              : nothing
          }
        </td>
      </tr>
    </tbody>`;
  }

  /** A day's usage of one product: one row with one tab stop, opening to its events. */
  private renderGroup(item: Transaction, group: UsageGroup, scales: Map<string, number>): TemplateResult {
    return this.renderExpandable({
      key: item.id,
      detailsOf: 'events',
      date: html`<time datetime=${group.day}>${this.i18n.day(group.day)}</time>`,
      title: item.description,
      meta: html`<span class="meta">${this.eventCount(group.count)} · ${this.categoryName(item.category)}</span>`,
      lead: html`<bdi>${this.exact(item.amount, this.assetOf(item.asset), scales.get(item.asset))}</bdi>`,
      details: () => this.renderGroupEvents(item, group),
      onOpen: () => {
        if (!this.groupEvents.has(item.id)) void this.loadGroup(item, null);
      },
    });
  }

  private renderGroupEvents(item: Transaction, group: UsageGroup): TemplateResult {
    const events = this.groupEvents.get(item.id);
    if (!events || (events.loading && events.items.length === 0)) return this.renderSkeleton(Math.min(group.count, 3));
    if (events.error && events.items.length === 0) return this.renderError(events.error, () => void this.loadGroup(item, null));
    const asset = this.assetOf(item.asset);
    return html`<ul
        class="breakdown"
        aria-label=${this.i18n.t('groupEvents', { product: item.description, date: this.i18n.day(group.day) })}
      >
        ${events.items.map((event) => {
          const total = event.totals.find((t) => t.asset === item.asset)?.amount ?? event.amount;
          const meta = [...event.quantities.map((q) => this.quantityText(q)), ...(event.subject ? [event.subject] : [])];
          return html`<li>
            <span class="what"
              ><time datetime=${event.occurred_at}>${this.i18n.dateTime(event.occurred_at)}</time>${
                meta.length > 0 ? html`<span class="how">${separated(meta)}</span>` : nothing
              }</span
            >
            <bdi class="num">${this.exact(negated(total), asset)}</bdi>
          </li>`;
        })}
      </ul>
      ${
        events.next
          ? html`<div class="details-footer">
              <button type="button" part="button" ?disabled=${events.loading} @click=${() => void this.loadGroup(item, events.next)}>
                ${this.i18n.t('showMore')}
              </button>
            </div>`
          : nothing
      }`;
  }

  /** The group's events: that day's usage of its product in its asset, newest first, a page at a time. */
  private async loadGroup(item: Transaction, cursor: string | null): Promise<void> {
    const group = item.group;
    if (!group) return;
    const before = this.groupEvents.get(item.id);
    this.setGroup(item.id, { items: before?.items ?? [], next: before?.next ?? null, loading: true, error: null });
    try {
      const page = await this.client.usage({
        from: group.day,
        to: group.day,
        ...(item.product ? { product: item.product.code } : {}),
        asset: item.asset,
        tz: localTimeZone(),
        limit: GROUP_PAGE,
        cursor,
      });
      const items = cursor ? [...(before?.items ?? []), ...page.items] : page.items;
      this.setGroup(item.id, { items, next: page.next_cursor, loading: false, error: null });
    } catch (error) {
      this.report(error);
      this.setGroup(item.id, { items: before?.items ?? [], next: before?.next ?? null, loading: false, error });
    }
  }

  private setGroup(id: string, events: GroupEvents): void {
    this.groupEvents = new Map(this.groupEvents).set(id, events);
  }

  /**
   * What the entry was, and its category: the platform's words as given; where the BFF wrote its own ("Auto
   * top-up", "US Dollar top-up"), the category alone, in the customer's language.
   */
  private describe(item: Transaction, asset: PortalAsset | string): { title: string; category: string | null } {
    const category = this.categoryName(item.category);
    const assetName = typeof asset === 'string' ? undefined : asset.name;
    return isGenericDescription(item.category, item.description, assetName)
      ? { title: category, category: null }
      : { title: item.description, category };
  }

  private categoryName(category: Category): string {
    return this.i18n.t(`category_${category}` satisfies MessageKey);
  }

  private query(filters: Filters): TransactionsQuery {
    const tz = localTimeZone();
    return {
      ...(filters.month ? { month: filters.month } : {}),
      ...(filters.asset ? { asset: filters.asset } : {}),
      ...(filters.category ? { category: filters.category } : {}),
      ...(filters.view === 'grouped' ? { view: filters.view } : {}),
      ...(tz ? { tz } : {}),
    };
  }

  private matchesFilters(transaction: Transaction): boolean {
    const { month, asset, category } = this.filters;
    return (
      (!month || localDay(transaction.occurred_at).startsWith(month)) &&
      (!asset || transaction.asset === asset) &&
      (!category || transaction.category === category)
    );
  }

  private filter(change: Partial<Filters>): void {
    this.filters = { ...this.filters, ...change };
    this.pages = CursorPages.first();
    this.expanded = new Set();
    this.groupEvents = new Map();
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

/** A usage event's cost, as the ledger entry it is: a debit. */
function negated(amount: string): string {
  return amount.startsWith('-') ? amount.slice(1) : amount === '0' ? amount : `-${amount}`;
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
