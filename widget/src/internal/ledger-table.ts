import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import type { ListTotal } from '@credyt/shared';
import type { PortalStream } from '../api/stream.ts';
import type { MessageKey } from '../i18n/index.ts';
import { CursorPages, PortalSection } from '../sections/section.ts';
import { ledgerTableStyles } from './ledger-table.styles.ts';

/**
 * A push carries less than the page shows (a usage fee without its event's quantities, one entry of a day's grouped
 * sum): the page is read again once the pushes settle.
 */
const REFRESH_AFTER_LIVE_MS = 1500;

/**
 * What the list reads of its page's `@lit/task` Task, by shape: the sections are in the published declarations,
 * which import nothing but lit.
 */
export interface PageTask<T> {
  readonly value: T | undefined;
  run(): Promise<void>;
  render(renderer: {
    initial: () => unknown;
    pending: () => unknown;
    complete: (page: T) => unknown;
    error: (error: unknown) => unknown;
  }): unknown;
}

/** A column of a ledger table: its header, end-aligned when it holds amounts, for screen readers only when `srOnly`. */
export interface LedgerColumn {
  label: MessageKey;
  num?: boolean;
  srOnly?: boolean;
}

/**
 * A row that opens to what it is made of. Its first three cells are fixed, as the stacked layout expects them: the
 * date, the toggle (the row's one tab stop) with muted details under it, and the amount (`.lead`); the table's other
 * columns stay empty on it.
 */
export interface ExpandableRow {
  /** What `expanded` holds for the row: an id of the API's. */
  key: string;
  /** Prefix of the details row's id ("fees", "events"), so two lists in one page never share one. */
  detailsOf: string;
  date: TemplateResult;
  title: string;
  meta: TemplateResult | typeof nothing;
  lead: TemplateResult;
  /**
   * The lead's second line (an amount in credits: its value in dollars), shown instead at the end of the title's
   * line when rows stack on a phone: under the amount it would push the description a line below the date.
   */
  aside?: TemplateResult;
  /** What the row opens to, rendered only while it is open. */
  details: () => TemplateResult;
  /** Called when the row opens (a group reads its events then). */
  onOpen?: () => void;
}

/** What a page of the ledger shows. */
export interface LedgerPage {
  caption: MessageKey;
  /** The section's heading, naming its pager for screen readers. */
  heading: MessageKey;
  empty: MessageKey;
  rows: readonly TemplateResult[];
  /** The API's `next_cursor`: null on the last page. */
  nextCursor: string | null;
}

/**
 * The lists of the ledger, usage and transactions: one table that turns into stacked rows below 600 px, rows that
 * open, the pager ("1–20 of 4,243") and the list's loading, empty and error states. A section says its columns,
 * its rows and what they open to; the DOM, the parts and the look are the same in both.
 */
export abstract class LedgerSection extends PortalSection {
  static override styles = [...PortalSection.styles, ledgerTableStyles];

  @state() protected pages = CursorPages.first();
  @state() protected total: ListTotal | null = null;
  @state() protected expanded = new Set<string>();

  protected abstract readonly columns: readonly LedgerColumn[];
  protected abstract readonly pageSize: number;
  private unfollow: (() => void) | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  /** Subscribes to what the stream pushes onto this list, while the section is on the page; returns the unsubscribe. */
  protected abstract follow(stream: PortalStream): () => void;

  override connectedCallback(): void {
    super.connectedCallback();
    this.unfollow = this.stream ? this.follow(this.stream) : undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unfollow?.();
    clearTimeout(this.refreshTimer);
  }

  /** A row pushed live that the list did not have: the total counts it. */
  protected countPushed(): void {
    this.total = this.total && { ...this.total, count: this.total.count + 1 };
  }

  /** Reads the page again once pushes have stopped arriving for a moment. */
  protected refreshSoon(task: PageTask<unknown>): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void task.run(), REFRESH_AFTER_LIVE_MS);
  }

  /** A skeleton until the first page; while another page loads, the one before it stays. */
  protected renderList<T>(task: PageTask<T>, renderPage: (page: T) => TemplateResult): unknown {
    return task.render({
      initial: () => this.renderSkeleton(5),
      pending: () => (task.value ? renderPage(task.value) : this.renderSkeleton(5)),
      error: (error) => this.renderError(error, () => void task.run()),
      complete: (page) => renderPage(page),
    });
  }

  protected renderLedger(page: LedgerPage): TemplateResult {
    if (page.rows.length === 0 && this.pages.page === 1) return this.renderEmpty(this.i18n.t(page.empty));
    const t = this.i18n.t.bind(this.i18n);
    return html`<div class="table-wrap">
        <table part="table" class="stack expandable">
          <caption class="sr-only">
            ${t(page.caption)}
          </caption>
          <thead>
            <tr>
              ${this.columns.map((column) => {
                const label = column.srOnly ? html`<span class="sr-only">${t(column.label)}</span>` : t(column.label);
                return html`<th scope="col" class=${column.num ? 'num' : nothing}>${label}</th>`;
              })}
            </tr>
          </thead>
          ${page.rows}
        </table>
      </div>
      ${this.renderPager(t(page.heading), {
        pages: this.pages,
        pageSize: this.pageSize,
        shown: page.rows.length,
        total: this.total,
        nextCursor: page.nextCursor,
        go: (pages) => (this.pages = pages),
      })}`;
  }

  /** A row that opens: one `<tbody>`, its summary row with one tab stop and, below it, the details row. */
  protected renderExpandable(row: ExpandableRow): TemplateResult {
    const open = this.expanded.has(row.key);
    const detailsId = `${row.detailsOf}-${cssId(row.key)}`;
    const rest = this.columns.slice(3);
    return html`<tbody class=${open ? 'open' : ''}>
      <tr class="summary" @click=${(event: Event) => this.onRowClick(event, row)}>
        <td>${row.date}</td>
        <td>
          ${row.aside ? html`<span class="aside">${row.aside}</span>` : nothing}
          <button
            type="button"
            class="toggle"
            aria-expanded=${open ? 'true' : 'false'}
            aria-controls=${detailsId}
            @click=${() => this.toggle(row)}
          >
            <span class="chevron" aria-hidden="true"></span><span class="title">${row.title}</span>
          </button>
          ${row.meta}
        </td>
        <td class="num lead">${row.lead}</td>
        ${rest.map((column) => html`<td class=${column.num ? 'num' : nothing}></td>`)}
      </tr>
      <tr class="details" id=${detailsId} ?hidden=${!open}>
        <td class="pad"></td>
        <td colspan="2">${open ? row.details() : nothing}</td>
        ${rest.length > 0 ? html`<td class="pad" colspan=${rest.length}></td>` : nothing}
      </tr>
    </tbody>`;
  }

  private toggle(row: ExpandableRow): void {
    const expanded = new Set(this.expanded);
    if (!expanded.delete(row.key)) {
      expanded.add(row.key);
      row.onOpen?.();
    }
    this.expanded = expanded;
  }

  /** A tap anywhere on the row toggles it too (the button stays the one tab stop); selecting text does not. */
  private onRowClick(event: Event, row: ExpandableRow): void {
    if ((event.target as Element).closest('button, a')) return;
    if (getSelection()?.toString()) return;
    this.toggle(row);
  }
}

/**
 * Parts of a line, each isolated for the bidirectional algorithm, between middle dots. A dot stays at the end of
 * the part before it (`.part` wraps as a whole), so a wrapped line starts with a part, never with "·".
 */
export function separated(parts: readonly string[]): TemplateResult[] {
  return parts.map(
    (part, i) => html`${i > 0 ? ' ' : ''}<span class="part"><bdi>${part}</bdi>${i < parts.length - 1 ? '\u00a0·' : ''}</span>`,
  );
}

/** An id usable in `id`/`aria-controls` whatever the API's id holds. */
function cssId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, (ch) => `_${ch.charCodeAt(0).toString(16)}`);
}
