import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { Task } from '@lit/task';
import type { UsageFee, UsageItem, UsagePage, UsageQuantity } from '@credyt/shared';
import type { PortalStream } from '../api/stream.ts';
import { addDecimal } from '../decimal.ts';
import { LedgerSection, separated, type LedgerColumn } from '../internal/ledger-table.ts';
import { isolate, localTimeZone } from './section.ts';

const PAGE_SIZE = 25;

/**
 * Usage history: one row per event with what it cost, the quantities it was billed on and, expanded, each fee
 * with its price in words. Newest first by when it happened; paged, with the total.
 */
export class UsageSection extends LedgerSection {
  protected readonly columns: readonly LedgerColumn[] = [{ label: 'date' }, { label: 'product' }, { label: 'amount', num: true }];
  protected readonly pageSize = PAGE_SIZE;

  /** Usage pushed live by the stream onto the first page, merged by event. */
  @state() private live: UsageItem[] = [];

  private readonly usage = new Task(this, {
    task: async ([cursor], { signal }) => {
      try {
        const page = await this.client.usage({ limit: PAGE_SIZE, cursor, tz: localTimeZone() }, signal);
        this.live = [];
        return page;
      } catch (error) {
        this.report(error);
        throw error;
      }
    },
    args: () => [this.pages.cursor, this.client] as const,
  });

  /** The list's size, asked once beside the first page so the page never waits for the count. */
  private readonly counting = new Task(this, {
    task: async ([client], { signal }) => {
      const page = await client.usage({ limit: 1, total: true, tz: localTimeZone() }, signal);
      this.total = page.total ?? null;
    },
    args: () => [this.client] as const,
  });

  /** Usage pushed live arrives one fee at a time, without its quantities: merged by event, then read again. */
  protected override follow(stream: PortalStream): () => void {
    return stream.on('usage.created', (item) => {
      if (this.pages.page !== 1) return;
      const current = this.live.find((i) => i.id === item.id) ?? this.usage.value?.items.find((i) => i.id === item.id);
      if (!current) this.countPushed();
      this.live = [withFees(current ?? item, item.fees), ...this.live.filter((i) => i.id !== item.id)];
      this.refreshSoon(this.usage);
    });
  }

  protected override render(): TemplateResult {
    return html`<section class="card" aria-labelledby="usage-heading">
      <h3 id="usage-heading" part="heading">${this.i18n.t('usageHeading')}</h3>
      ${this.renderList(this.usage, (page) => this.renderPage(page))}
    </section>`;
  }

  private renderPage(page: UsagePage): TemplateResult {
    const live = new Map(this.live.map((item) => [item.id, item]));
    const items = [...this.live.filter((i) => !page.items.some((p) => p.id === i.id)), ...page.items.map((i) => live.get(i.id) ?? i)].slice(
      0,
      PAGE_SIZE,
    );
    return this.renderLedger({
      caption: 'usageCaption',
      heading: 'usageHeading',
      empty: 'usageEmpty',
      rows: items.map((item) => this.renderItem(item)),
      nextCursor: page.next_cursor,
    });
  }

  /** An event: one row with one tab stop (the toggle), and its fees in the row below when expanded. */
  private renderItem(item: UsageItem): TemplateResult {
    const i18n = this.i18n;
    const meta = [
      ...item.quantities.map((q) => this.quantityText(q)),
      ...(item.quantities.length === 0 && item.fees.length === 1 ? [this.feeText(item.fees[0]!)] : []),
      ...(item.subject ? [item.subject] : []),
    ];
    const fiat = this.fiatOf(item);
    return this.renderExpandable({
      key: item.id,
      detailsOf: 'fees',
      date: html`<time datetime=${item.occurred_at}>${i18n.dateTime(item.occurred_at)}</time>`,
      title: item.product.name,
      meta: meta.length > 0 ? html`<span class="meta">${separated(meta)}</span>` : nothing,
      lead: html`<bdi>${this.exactTotals(item.totals, (code) => this.assetOf(code))}</bdi>
        ${fiat ? html`<span class="fiat has-aside"><bdi>${i18n.t('approxValue', { amount: fiat })}</bdi></span>` : nothing}`,
      aside: fiat ? html`<bdi>${i18n.t('approxValue', { amount: fiat })}</bdi>` : undefined,
      details: () => this.renderFees(item),
    });
  }

  private renderFees(item: UsageItem): TemplateResult {
    return html`<ul class="breakdown" aria-label=${this.i18n.t('feesOf')}>
        ${item.fees.map(
          (fee) =>
            html`<li>
              <span class="what"
                ><span class="name">${fee.price_name || fee.product.name}</span
                ><span class="how"><bdi>${this.feeText(fee, item)}</bdi></span></span
              >
              <bdi class="num">${this.exact(fee.amount, this.assetOf(fee.asset))}</bdi>
            </li>`,
        )}
      </ul>
      ${this.renderDescription(item)}`;
  }

  /** The platform's description of the event, less what the row already says (its quantities). */
  private renderDescription(item: UsageItem): TemplateResult | typeof nothing {
    const description = item.description && withoutQuantities(item.description, item.quantities);
    // Isolated in its own direction, aligned as the portal reads (an English description in Arabic: at the right).
    return description ? html`<p class="description"><bdi>${description}</bdi></p>` : nothing;
  }

  /** "1,235 input tokens at $2.50 per 1M input tokens", or the platform's own description of the price. */
  private feeText(fee: UsageFee, item?: UsageItem): string {
    if (!fee.rate) return fee.fee_description;
    const rate = this.rateText(fee.rate, this.assetOf(fee.asset));
    const quantity = fee.rate.unit ? item?.quantities.find((q) => q.unit === fee.rate!.unit) : undefined;
    return quantity ? this.i18n.t('feeAt', { quantity: isolate(this.quantityText(quantity)), rate: isolate(rate) }) : rate;
  }

  /** "≈ $0.30" for an event charged in a custom unit; nothing when it was charged in the session's currency. */
  private fiatOf(item: UsageItem): string | null {
    if (item.totals.every((t) => this.isFiat(t.asset))) return null;
    if (item.totals.some((t) => t.fiat_amount === null)) return null;
    const sum = item.totals.reduce((acc, t) => addDecimal(acc, t.fiat_amount ?? '0'), '0');
    return this.exact(sum, this.session.currency);
  }

  private isFiat(code: string): boolean {
    const asset = this.assetOf(code);
    return typeof asset === 'string' ? asset === this.session.currency : asset.fiat;
  }
}

/** The event with these fees added (a live fee of an event already shown), its totals summed again exactly. */
export function withFees(item: UsageItem, fees: readonly UsageFee[]): UsageItem {
  const merged = [...item.fees, ...fees.filter((f) => !item.fees.some((g) => g.id === f.id))];
  if (merged.length === item.fees.length) return item;
  const totals = new Map<string, { asset: string; amount: string; fiat_amount: string | null }>();
  for (const fee of merged) {
    const total = totals.get(fee.asset) ?? { asset: fee.asset, amount: '0', fiat_amount: '0' };
    total.amount = addDecimal(total.amount, fee.amount);
    total.fiat_amount = total.fiat_amount === null || fee.fiat_amount === null ? null : addDecimal(total.fiat_amount, fee.fiat_amount);
    totals.set(fee.asset, total);
  }
  const list = [...totals.values()];
  return { ...item, fees: merged, totals: list, amount: list[0]!.amount, asset: list[0]!.asset, fiat_amount: list[0]!.fiat_amount };
}

/**
 * A description without its parts that only restate quantities the row shows: "lumen-pro · 12,864 input / 1,700
 * output tokens" with those quantities is "lumen-pro". A part counts as a restatement when every number standing
 * alone in it (not "motion-2") is one of the quantities, however it is grouped. Null when nothing is left.
 */
export function withoutQuantities(description: string, quantities: readonly UsageQuantity[]): string | null {
  if (quantities.length === 0) return description;
  const shown = new Set(quantities.map((q) => normalNumber(q.quantity)));
  const parts = description.split(/\s+·\s+/);
  const kept = parts.filter((part) => {
    const numbers = part.match(/(?<![\p{L}\d_-])\d(?:[\d,.\u00a0\u202f']*\d)?/gu) ?? [];
    return numbers.length === 0 || !numbers.every((n) => shown.has(normalNumber(n)));
  });
  if (kept.length === parts.length) return description;
  return kept.length > 0 ? kept.join(' · ') : null;
}

/** "12,864", "12.864" and "12864" alike; "1.5" stays a decimal. */
function normalNumber(text: string): string {
  const grouped = /^\d{1,3}(?:([,.\u00a0\u202f'])\d{3})+$/u.exec(text);
  const digits = grouped ? text.replace(/[,.\u00a0\u202f']/gu, '') : text.replace(',', '.');
  return digits
    .replace(/^0+(?=\d)/, '')
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}
