import { html, css, nothing, type TemplateResult } from 'lit';
import { query, state } from 'lit/decorators.js';
import { Task } from '@lit/task';
import type { PortalAsset, PortalSpend, SpendInterval } from '@credyt/shared';
import { addDecimal, compareDecimal } from '../decimal.ts';
import { assetFromCode, type AssetDisplay, type MessageKey } from '../i18n/index.ts';
import { PortalSection } from './section.ts';
import type { SpendChart, SpendPalette, SpendView } from './spend-chart.ts';

/** The windows a customer picks from: the interval each is drawn in, its length, and its name. */
export type SpendRange = '24h' | '7d' | '30d' | '12m';
const RANGES: Record<SpendRange, { interval: SpendInterval; count: number; short: MessageKey; long: MessageKey }> = {
  '24h': { interval: 'hour', count: 24, short: 'range24h', long: 'rangeLast24h' },
  '7d': { interval: 'day', count: 7, short: 'range7d', long: 'rangeLast7d' },
  '30d': { interval: 'day', count: 30, short: 'range30d', long: 'rangeLast30d' },
  '12m': { interval: 'month', count: 12, short: 'range12m', long: 'rangeLast12m' },
};
/** Live events come in bursts (a usage event, its transaction, the wallet): one refetch for the lot. */
const LIVE_DELAY_MS = 500;
const DECIMAL = { add: addDecimal, compare: compareDecimal };

/** `fiat`: everything in the platform's currency; otherwise the code of one custom asset. */
type Unit = 'fiat' | string;

interface Loaded {
  spend: PortalSpend;
  range: SpendRange;
  at: Date;
}

/** A render's view of the figures, with what it was computed from. */
interface Shown {
  loaded: Loaded;
  unit: Unit;
  i18n: unknown;
  walletState: unknown;
  unitAsset: AssetDisplay;
  view: SpendView;
  labels: { axis(period: string): string; full(period: string): string };
}

/**
 * Spend history: a stacked Chart.js bar chart of the last 24 hours, 7 or 30 days, or 12 months, in fiat or one
 * custom unit, with the range's total, a tooltip per period, and the same figures as a table. It follows the live
 * stream and redraws in the theme's colours whenever they change (theme attribute, OS scheme, page tokens).
 */
export class SpendSection extends PortalSection {
  /**
   * The controls key on the section's own width (`spend`: it may be half of a wide portal), the table on the
   * portal's (`table.stack`). `.palette` holds the theme's colours; its 1 ms transitions end whenever one changes
   * (the theme attribute, the OS scheme under theme=auto, the page restyling `--credyt-*`), which redraws the chart.
   */
  static override styles = [
    ...PortalSection.styles,
    css`
      :host {
        container: spend / inline-size;
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        gap: var(--_space) calc(var(--_space) * 2);
        align-items: end;
        justify-content: space-between;
        margin-bottom: calc(var(--_space) * 1.5);
      }
      .total {
        margin: 0;
        display: grid;
      }
      .total .figure {
        font-size: 1.6em;
        font-weight: 650;
        line-height: 1.2;
        font-variant-numeric: tabular-nums;
      }
      .controls {
        display: flex;
        flex-wrap: wrap;
        gap: var(--_space) calc(var(--_space) * 2);
        align-items: end;
      }
      .segmented {
        display: flex;
        gap: calc(var(--_space) / 2);
      }
      .segmented button {
        min-width: 3em;
        min-height: 2.25em;
        padding-inline: var(--_space);
        white-space: nowrap;
      }
      .group-label {
        display: block;
        font-weight: 500;
        margin-bottom: calc(var(--_space) / 2);
      }
      .chart {
        position: relative;
        height: 17em;
        min-width: 0;
      }
      .chart canvas {
        display: block;
      }
      .chart .empty {
        display: grid;
        place-items: center;
        height: 100%;
        margin: 0;
        text-align: center;
      }
      .chart-skeleton {
        height: 17em;
      }
      .table-toggle {
        margin-top: var(--_space);
      }
      .palette {
        position: absolute;
        width: 0;
        height: 0;
        overflow: hidden;
        pointer-events: none;
        color: var(--_muted);
        background-color: var(--_surface);
        border-top-color: var(--_border);
        border-bottom-color: var(--_border-strong);
        border-left-color: var(--_bg);
        outline-color: var(--_primary);
        text-decoration-color: var(--_text);
        transition-property:
          color, background-color, border-top-color, border-bottom-color, border-left-color, outline-color, text-decoration-color;
        transition-duration: 1ms;
      }
      @container portal (width < 600px) {
        .stack caption {
          display: block;
        }
      }
      @container spend (width < 34em) {
        .head,
        .controls {
          display: grid;
          grid-template-columns: minmax(0, 1fr);
          align-items: stretch;
        }
        /* The row shared out beyond each label's own width: a longer one ("12 meses") is never cut. */
        .segmented button {
          flex: 1 1 auto;
          min-width: 0;
          padding-inline: calc(var(--_space) / 2);
        }
        .chart,
        .chart-skeleton {
          height: 15em;
        }
      }
    `,
  ];

  @state() private range: SpendRange = '30d';
  @state() private unit: Unit = 'fiat';
  @state() private showTable = false;
  /** The chart chunk once loaded: it also computes the view of the figures, so the table waits for it too. */
  @state() private lib: typeof import('./spend-chart.ts') | undefined;
  @query('canvas') private canvas?: HTMLCanvasElement;
  @query('.palette') private probe?: HTMLElement;
  private chart: SpendChart | undefined;
  /** The colours last read from the computed style, and the same as one string to compare. */
  private palette: SpendPalette | null = null;
  private paletteKey = '';
  /** What the last render showed (the same object while its inputs are), and what the chart was drawn from. */
  private shown: Shown | null = null;
  private drawn: { shown: Shown; canvas: HTMLCanvasElement; palette: string } | null = null;
  private unsubscribe: Array<() => void> = [];
  private liveTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly darkScheme = window.matchMedia('(prefers-color-scheme: dark)');

  private readonly spend = new Task(this, {
    task: async ([range], { signal }): Promise<Loaded> => {
      try {
        const at = new Date();
        const spend = await this.client.spend({ ...queryFor(range, at), tz: timeZone() }, signal);
        return { spend, range, at };
      } catch (error) {
        this.report(error);
        throw error;
      }
    },
    args: () => [this.range, this.client] as const,
  });

  override connectedCallback(): void {
    super.connectedCallback();
    // Chart.js is fetched the first time this section is on the page, not with the portal's first paint.
    void import('./spend-chart.ts').then((lib) => (this.lib = lib));
    const refresh = () => this.scheduleRefresh();
    this.unsubscribe = this.stream
      ? [
          this.stream.on('usage.created', refresh),
          this.stream.on('transaction.created', refresh),
          this.stream.on('wallet.updated', refresh),
        ]
      : [];
    this.darkScheme.addEventListener('change', this.checkPalette);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const stop of this.unsubscribe) stop();
    this.unsubscribe = [];
    clearTimeout(this.liveTimer);
    this.liveTimer = undefined;
    this.darkScheme.removeEventListener('change', this.checkPalette);
    this.chart?.destroy();
    this.chart = undefined;
    this.drawn = null;
  }

  protected override render(): TemplateResult {
    const loading = () => this.renderLoading();
    const data = (loaded: Loaded) => (this.lib ? this.renderData(loaded, this.lib) : loading());
    return html`<section class="card" aria-labelledby="spend-heading">
      <span class="palette" aria-hidden="true" @transitionend=${this.checkPalette}></span>
      <h3 id="spend-heading" part="heading">${this.i18n.t('spendHeading')}</h3>
      ${this.spend.render({
        initial: loading,
        pending: () => (this.spend.value ? data(this.spend.value) : loading()),
        error: (error) => html`${this.renderControls(null, this.range)}${this.renderError(error, () => void this.spend.run())}`,
        complete: data,
      })}
    </section>`;
  }

  protected override updated(): void {
    this.checkPalette();
    this.drawChart();
  }

  /** Re-reads the theme's colours; redraws when they changed. Cheap enough to run on every update and resize. */
  private readonly checkPalette = (): void => {
    const probe = this.probe;
    if (!probe) return;
    const style = getComputedStyle(probe);
    const palette: SpendPalette = {
      text: style.textDecorationColor,
      muted: style.color,
      border: style.borderTopColor,
      borderStrong: style.borderBottomColor,
      surface: style.backgroundColor,
      background: style.borderLeftColor,
      primary: style.outlineColor,
      font: style.fontFamily,
      fontSize: parseFloat(style.fontSize) || 14,
    };
    const key = Object.values(palette).join('|');
    if (key === this.paletteKey) return;
    this.palette = palette;
    this.paletteKey = key;
    this.drawChart();
  };

  private scheduleRefresh(): void {
    if (this.liveTimer !== undefined) return;
    this.liveTimer = setTimeout(() => {
      this.liveTimer = undefined;
      void this.spend.run();
    }, LIVE_DELAY_MS);
  }

  private renderLoading(): TemplateResult {
    return html`${this.renderControls(null, this.range)}
      <div class="skeleton chart-skeleton" aria-busy="true">
        <span class="sr-only">${this.i18n.t('loading')}</span>
      </div>`;
  }

  /** The total of the range shown (`shown`, while another one loads), and the controls. */
  private renderControls(shown: Shown | null, range: SpendRange): TemplateResult {
    const units = this.units();
    return html`<div class="head">
      ${
        shown
          ? html`<p class="total">
              <strong class="figure"><bdi>${this.i18n.amount(shown.view.total, shown.unitAsset)}</bdi></strong>
              <span class="muted">${this.i18n.t(RANGES[range].long)}</span>
            </p>`
          : nothing
      }
      <div class="controls">
        <div role="group" aria-labelledby="range-label">
          <span class="group-label" id="range-label">${this.i18n.t('spendRange')}</span>
          <div class="segmented">
            ${(Object.keys(RANGES) as SpendRange[]).map(
              (option) =>
                html`<button
                  type="button"
                  part="button"
                  aria-pressed=${this.range === option ? 'true' : 'false'}
                  title=${this.i18n.t(RANGES[option].long)}
                  @click=${() => (this.range = option)}
                >
                  ${this.i18n.t(RANGES[option].short, { count: this.i18n.number(RANGES[option].count) })}
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
      </div>
    </div>`;
  }

  /** Fiat, then each custom asset of the wallet. */
  private units(): Array<[Unit, string]> {
    const currency = this.spend.value?.spend.currency ?? this.session.currency;
    const custom = (this.walletState.wallet?.accounts ?? [])
      .map((account) => account.asset)
      .filter((asset) => !asset.fiat)
      .map((asset): [Unit, string] => [asset.code, asset.label ?? asset.name]);
    return [['fiat', currency], ...custom];
  }

  /** The figures of `loaded` as this render shows them: the previous object while nothing they depend on changed. */
  private viewOf(loaded: Loaded, lib: typeof import('./spend-chart.ts')): Shown {
    const { unit, i18n, walletState } = this;
    const last = this.shown;
    if (last && last.loaded === loaded && last.unit === unit && last.i18n === i18n && last.walletState === walletState) return last;
    const interval = RANGES[loaded.range].interval;
    const unitAsset = unit === 'fiat' ? assetFromCode(loaded.spend.currency) : (this.assetByCode(unit) ?? assetFromCode(unit));
    const view = lib.spendView(loaded.spend, unit === 'fiat' ? null : unit, interval, loaded.at, DECIMAL);
    this.shown = { loaded, unit, i18n, walletState, unitAsset, view, labels: lib.periodLabels(i18n.locale, interval) };
    return this.shown;
  }

  /**
   * A range without spend keeps the chart's box, the size it had while loading, with the message in it: the
   * sections below do not move up when the figures arrive (nor down again when another range has some).
   */
  private renderData(loaded: Loaded, lib: typeof import('./spend-chart.ts')): TemplateResult {
    const shown = this.viewOf(loaded, lib);
    const { view, unitAsset, labels } = shown;
    const long = this.i18n.t(RANGES[loaded.range].long);
    const unitName = this.i18n.unitName(unitAsset);
    const empty = view.periods.length === 0;
    const amount = (value: string) => html`<bdi>${this.i18n.amount(value, unitAsset)}</bdi>`;
    const multi = view.series.length > 1;
    return html`
      ${this.renderControls(shown, loaded.range)}
      <div class="chart" part="chart">
        ${empty ? this.renderEmpty(this.i18n.t('spendEmpty')) : nothing}
        <canvas
          ?hidden=${empty}
          role="img"
          aria-label=${
            empty
              ? this.i18n.t('spendEmpty')
              : this.i18n.t('spendSummary', {
                  range: long,
                  unit: unitName,
                  total: this.i18n.amount(view.total, unitAsset),
                  peak: this.i18n.amount(view.totals[view.peak] ?? '0', unitAsset),
                  period: labels.full(view.periods[view.peak] ?? ''),
                })
          }
        ></canvas>
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
              <div class=${this.showTable ? 'table-wrap' : 'sr-only'} id="spend-table">
                <table part="table" class="stack">
                  <caption>
                    ${this.i18n.t('spendTableCaption', { range: long, unit: unitName })}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">${this.i18n.t('period')}</th>
                      ${multi ? view.series.map((s) => html`<th scope="col" class="num">${this.seriesName(s.asset)}</th>`) : nothing}
                      <th scope="col" class="num">${this.i18n.t(multi ? 'total' : 'amount')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${view.periods.map(
                      (period, index) =>
                        html`<tr>
                          <th scope="row">${labels.full(period)}</th>
                          ${
                            multi
                              ? view.series.map(
                                  (s) =>
                                    html`<td class="num" data-label=${this.seriesName(s.asset)}>${amount(s.values[index] ?? '0')}</td>`,
                                )
                              : nothing
                          }
                          <td class="num lead">${amount(view.totals[index] ?? '0')}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
      }
    `;
  }

  private assetByCode(code: string): PortalAsset | undefined {
    return this.walletState.wallet?.accounts.find((account) => account.asset.code === code)?.asset;
  }

  /** A series' name in the legend, the tooltip and the table: the asset's, a currency's in the customer's language. */
  private seriesName(code: string): string {
    return this.i18n.assetName(this.assetByCode(code) ?? { code, name: code, fiat: assetFromCode(code).fiat });
  }

  private drawChart(): void {
    const { shown, canvas, palette, lib, paletteKey } = this;
    if (!shown || !canvas || !palette || !lib || canvas.closest('[hidden]')) return;
    const last = this.drawn;
    if (last && last.shown === shown && last.canvas === canvas && last.palette === paletteKey) return;
    this.drawn = { shown, canvas, palette: paletteKey };
    if (this.chart && this.chart.canvas !== canvas) {
      this.chart.destroy();
      this.chart = undefined;
    }
    const { view, unitAsset, labels } = shown;
    const money = (value: string) => this.i18n.amount(value, unitAsset);
    this.chart = lib.drawSpendChart(
      canvas,
      {
        labels: view.periods.map(labels.axis),
        titles: view.periods.map(labels.full),
        datasets: view.series.map((s) => ({ label: this.seriesName(s.asset), values: s.values })),
        formatValue: money,
        totals: view.totals.map((total) => this.i18n.t('spendTooltipTotal', { amount: money(total) })),
        money: unitAsset.fiat
          ? {
              currency: unitAsset.code,
              digits: unitAsset.precision,
              format: (value, places) => this.i18n.amount(value, { ...unitAsset, precision: places }),
            }
          : null,
        locale: this.i18n.locale,
        palette,
        rtl: this.i18n.dir === 'rtl',
        onResize: this.checkPalette,
      },
      this.chart,
    );
    canvas.dataset.drawn = 'true';
  }
}

/** What to ask the server for each range, in the customer's calendar. */
export function queryFor(range: SpendRange, today: Date): { interval: SpendInterval; from: string; to: string } {
  const from = new Date(today);
  if (range === '24h') from.setDate(from.getDate() - 1);
  else if (range === '7d') from.setDate(from.getDate() - 6);
  else if (range === '30d') from.setDate(from.getDate() - 29);
  else from.setFullYear(from.getFullYear(), from.getMonth() - 11, 1);
  return { interval: RANGES[range].interval, from: isoDate(from), to: isoDate(today) };
}

function isoDate(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
