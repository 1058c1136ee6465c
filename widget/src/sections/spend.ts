import { html, css, nothing, type TemplateResult } from 'lit';
import { query, state } from 'lit/decorators.js';
import { Task } from '@lit/task';
import type { PortalAsset, PortalSpend, SpendInterval } from '@credyt/shared';
import { addDecimal, isZeroDecimal } from '../decimal.ts';
import { assetFromCode, type AssetDisplay } from '../i18n/index.ts';
import { PortalSection } from './section.ts';
import type { SpendChart, SpendChartInput } from './spend-chart.ts';

const INTERVALS: SpendInterval[] = ['day', 'week', 'month'];
const PALETTE = ['#0ea5e9', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6'];

/** `fiat`: everything in the platform's currency; otherwise the code of one custom asset. */
type Unit = 'fiat' | string;

interface Row {
  period: string;
  amount: string;
}

/** Spend history: a Chart.js bar chart by day, week or month, in fiat or one custom unit, plus the same as a table. */
export class SpendSection extends PortalSection {
  static override styles = [
    ...PortalSection.styles,
    css`
      .controls {
        display: flex;
        flex-wrap: wrap;
        gap: calc(var(--_space) * 2);
        align-items: end;
        margin-bottom: calc(var(--_space) * 1.5);
      }
      .segmented {
        display: flex;
        gap: calc(var(--_space) / 2);
      }
      .group-label {
        display: block;
        font-weight: 500;
        margin-bottom: calc(var(--_space) / 2);
      }
      .chart {
        position: relative;
        height: 16em;
      }
      .table-toggle {
        margin-top: var(--_space);
      }
    `,
  ];

  @state() private interval: SpendInterval = 'day';
  @state() private unit: Unit = 'fiat';
  @state() private showTable = false;
  @query('canvas') private canvas?: HTMLCanvasElement;
  private chartModule: Promise<typeof import('./spend-chart.ts')> | null = null;
  private chart: SpendChart | undefined;
  /** What the chart shows now; it is redrawn only when this changes. */
  private drawn: { spend: PortalSpend; unit: Unit; i18n: unknown; canvas: HTMLCanvasElement } | null = null;

  private readonly spend = new Task(this, {
    task: async ([interval], { signal }) => {
      try {
        return await this.client.spend({ interval, ...rangeFor(interval, new Date()), tz: timeZone() }, signal);
      } catch (error) {
        this.report(error);
        throw error;
      }
    },
    args: () => [this.interval, this.client] as const,
  });

  override connectedCallback(): void {
    super.connectedCallback();
    // Chart.js is fetched the first time this section is on the page, not with the portal's first paint.
    this.chartModule ??= import('./spend-chart.ts');
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.chart?.destroy();
    this.chart = undefined;
    this.drawn = null;
  }

  protected override render(): TemplateResult {
    return html`<section class="card" aria-labelledby="spend-heading">
      <h3 id="spend-heading" part="heading">${this.i18n.t('spendHeading')}</h3>
      ${this.renderControls()}
      ${this.spend.render({
        initial: () => this.renderSkeleton(4),
        pending: () => (this.spend.value ? this.renderData(this.spend.value) : this.renderSkeleton(4)),
        error: (error) => this.renderError(error, () => void this.spend.run()),
        complete: (spend) => this.renderData(spend),
      })}
    </section>`;
  }

  protected override updated(): void {
    void this.drawChart();
  }

  private renderControls(): TemplateResult {
    const units = this.units();
    return html`<div class="controls">
      <div role="group" aria-labelledby="interval-label">
        <span class="group-label" id="interval-label">${this.i18n.t('spendInterval')}</span>
        <div class="segmented">
          ${INTERVALS.map(
            (interval) =>
              html`<button
                type="button"
                part="button"
                aria-pressed=${this.interval === interval ? 'true' : 'false'}
                @click=${() => (this.interval = interval)}
              >
                ${this.i18n.t(interval)}
              </button>`,
          )}
        </div>
      </div>
      ${
        units.length > 1
          ? html`<label
              >${this.i18n.t('spendUnit')}
              <select part="input" @change=${(event: Event) => (this.unit = (event.target as HTMLSelectElement).value)}>
                ${units.map(([unit, name]) => html`<option value=${unit} ?selected=${unit === this.unit}>${name}</option>`)}
              </select>
            </label>`
          : nothing
      }
    </div>`;
  }

  /** Fiat, then each custom asset of the wallet. */
  private units(): Array<[Unit, string]> {
    const currency = this.spend.value?.currency ?? this.session.currency;
    const custom = (this.walletState.wallet?.accounts ?? [])
      .map((account) => account.asset)
      .filter((asset) => !asset.fiat)
      .map((asset): [Unit, string] => [asset.code, asset.label ?? asset.name]);
    return [['fiat', currency], ...custom];
  }

  private renderData(spend: PortalSpend): TemplateResult {
    const { rows, unitAsset } = this.tableFor(spend);
    const empty = rows.every((row) => isZeroDecimal(row.amount));
    const unitName = this.i18n.unitName(unitAsset);
    return html`
      ${empty ? this.renderEmpty(this.i18n.t('spendEmpty')) : nothing}
      <div class="chart" part="chart" ?hidden=${empty}>
        <canvas role="img" aria-label=${this.i18n.t('spendChart')}></canvas>
      </div>
      ${
        empty
          ? nothing
          : html`<button
                type="button"
                part="button"
                class="table-toggle"
                aria-expanded=${this.showTable ? 'true' : 'false'}
                aria-controls="spend-table"
                @click=${() => (this.showTable = !this.showTable)}
              >
                ${this.showTable ? this.i18n.t('hideTable') : this.i18n.t('showTable')}
              </button>
              <div class="table-wrap ${this.showTable ? '' : 'sr-only'}" id="spend-table">
                <table part="table">
                  <caption>
                    ${this.i18n.t('spendCaption', { interval: this.i18n.t(this.interval), unit: unitName })}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">${this.i18n.t('period')}</th>
                      <th scope="col" class="num">${this.i18n.t('amount')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows.map(
                      (row) =>
                        html`<tr>
                          <th scope="row">${this.i18n.period(row.period, this.interval)}</th>
                          <td class="num">${this.i18n.amount(row.amount, unitAsset)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
      }
    `;
  }

  private unitAsset(spend: PortalSpend): AssetDisplay {
    if (this.unit === 'fiat') return assetFromCode(spend.currency);
    return this.assetByCode(this.unit) ?? assetFromCode(this.unit);
  }

  private assetByCode(code: string): PortalAsset | undefined {
    return this.walletState.wallet?.accounts.find((account) => account.asset.code === code)?.asset;
  }

  /** The rows of the table (and the chart's totals): fiat sums every asset's fiat amount per period, exactly. */
  private tableFor(spend: PortalSpend): { rows: Row[]; unitAsset: AssetDisplay } {
    const unitAsset = this.unitAsset(spend);
    const totals = new Map<string, string>();
    for (const series of spend.series) {
      if (this.unit !== 'fiat' && series.asset !== this.unit) continue;
      for (const point of series.points) {
        const value = this.unit === 'fiat' ? point.fiat_amount : point.amount;
        totals.set(point.period, addDecimal(totals.get(point.period) ?? '0', value));
      }
    }
    const rows = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([period, amount]) => ({ period, amount }));
    return { rows, unitAsset };
  }

  private chartInput(spend: PortalSpend): SpendChartInput {
    const { rows, unitAsset } = this.tableFor(spend);
    const periods = rows.map((row) => row.period);
    const style = getComputedStyle(this);
    const primary = style.getPropertyValue('--_primary').trim() || '#4f46e5';
    const series = spend.series.filter((s) => this.unit === 'fiat' || s.asset === this.unit);
    const datasets = series.map((s, index) => {
      const byPeriod = new Map(s.points.map((p) => [p.period, this.unit === 'fiat' ? p.fiat_amount : p.amount]));
      return {
        label: this.assetByCode(s.asset)?.name ?? s.asset,
        values: periods.map((period) => byPeriod.get(period) ?? '0'),
        color: index === 0 ? primary : (PALETTE[(index - 1) % PALETTE.length] ?? primary),
      };
    });
    // Axis ticks say their unit: "$2.5" for money; custom units stay bare numbers (the legend names them).
    const compact = new Intl.NumberFormat(this.i18n.locale, {
      notation: 'compact',
      maximumFractionDigits: 2,
      ...(unitAsset.fiat ? { style: 'currency' as const, currency: unitAsset.code } : {}),
    });
    return {
      labels: periods.map((period) => this.i18n.period(period, this.interval)),
      datasets,
      stacked: true,
      formatValue: (value) => this.i18n.amount(value, unitAsset),
      formatTick: (value) => compact.format(value),
      textColor: style.getPropertyValue('--_muted').trim() || '#475569',
      gridColor: style.getPropertyValue('--_border').trim() || '#cbd5e1',
      rtl: this.i18n.dir === 'rtl',
    };
  }

  private async drawChart(): Promise<void> {
    const spend = this.spend.value;
    const canvas = this.canvas;
    if (!spend || !canvas || !this.chartModule) return;
    const drawing = { spend, unit: this.unit, i18n: this.i18n, canvas };
    const last = this.drawn;
    if (last && Object.entries(drawing).every(([key, value]) => last[key as keyof typeof last] === value)) return;
    this.drawn = drawing;
    const { drawSpendChart } = await this.chartModule;
    if (!canvas.isConnected) return;
    if (this.chart && this.chart.canvas !== canvas) {
      this.chart.destroy();
      this.chart = undefined;
    }
    this.chart = drawSpendChart(canvas, this.chartInput(spend), this.chart);
    canvas.dataset.drawn = 'true';
  }
}

/** The window each interval shows, in the customer's calendar: 30 days, 12 weeks, or 12 months. */
export function rangeFor(interval: SpendInterval, today: Date): { from: string; to: string } {
  const from = new Date(today);
  if (interval === 'day') from.setDate(from.getDate() - 29);
  else if (interval === 'week') from.setDate(from.getDate() - 7 * 11 - ((from.getDay() + 6) % 7));
  else from.setFullYear(from.getFullYear(), from.getMonth() - 11, 1);
  return { from: isoDate(from), to: isoDate(today) };
}

function isoDate(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
