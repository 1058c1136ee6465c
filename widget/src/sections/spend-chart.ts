/**
 * The Chart.js part of the spend section, loaded with `import()` the first time the section is shown, so it lands
 * in its own chunk with what only the chart needs: the view of the figures, the period labels, and the drawing.
 * Only what a stacked bar chart needs is registered (never `chart.js/auto`). It imports nothing from the main
 * module (a module both use would be split into a chunk of its own, one more request before the first paint):
 * the exact decimal arithmetic comes in as `DecimalOps`.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartOptions,
  type ScriptableScaleContext,
  type Tick,
} from 'chart.js';
import type { PortalSpend, SpendInterval } from '@credyt/shared';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

/** The colours and font the section resolved from its own computed style (whatever theme or tokens set them). */
export interface SpendPalette {
  text: string;
  muted: string;
  border: string;
  borderStrong: string;
  surface: string;
  background: string;
  primary: string;
  font: string;
  fontSize: number;
}

export interface DecimalOps {
  add(a: string, b: string): string;
  compare(a: string, b: string): number;
}

/** What the chart and the table show: the periods kept, each series' exact values, each period's total. */
export interface SpendView {
  periods: string[];
  series: Array<{ asset: string; values: string[] }>;
  totals: string[];
  total: string;
  /** The period that spent the most. */
  peak: number;
}

const HOUR_MS = 3_600_000;

/**
 * The figures to show, exactly: with `unit` null every asset's fiat amount, else that asset's own amounts. The
 * 24-hour range keeps the 24 hours up to `at` (the server answers whole local days); leading periods with nothing
 * spent are trimmed (a new account does not open on eleven empty months), and so are series with nothing in range.
 */
export function spendView(spend: PortalSpend, unit: string | null, interval: SpendInterval, at: Date, decimal: DecimalOps): SpendView {
  const zero = (value: string) => decimal.compare(value, '0') === 0;
  // Money first: the platform's currency leads (and takes the primary colour), then the custom assets.
  const chosen = spend.series
    .filter((s) => unit === null || s.asset === unit)
    .sort((a, b) => Number(b.asset === spend.currency) - Number(a.asset === spend.currency));
  let periods = chosen[0]?.points.map((point) => point.period) ?? [];
  if (interval === 'hour') {
    const now = at.getTime();
    periods = periods.filter((period) => Date.parse(period) <= now && Date.parse(period) > now - 24 * HOUR_MS);
  }
  const kept = new Set(periods);
  const series = chosen
    .map((s) => ({
      asset: s.asset,
      values: s.points.filter((p) => kept.has(p.period)).map((p) => (unit === null ? p.fiat_amount : p.amount)),
    }))
    .filter((s) => !s.values.every(zero));
  const totals = periods.map((_, index) => series.reduce((sum, s) => decimal.add(sum, s.values[index] ?? '0'), '0'));
  const first = totals.findIndex((total) => !zero(total));
  const start = first === -1 ? totals.length : first;
  const view = {
    periods: periods.slice(start),
    series: series.map((s) => ({ asset: s.asset, values: s.values.slice(start) })),
    totals: totals.slice(start),
    total: '0',
    peak: 0,
  };
  view.totals.forEach((total, index) => {
    view.total = decimal.add(view.total, total);
    if (decimal.compare(total, view.totals[view.peak]!) > 0) view.peak = index;
  });
  return view;
}

/** A period on the axis ("3:00 PM", "Nov 20", "Nov") and in full ("Nov 20, 3:00 PM", "Thu, Nov 20", "November 2025"). */
export function periodLabels(locale: string, interval: SpendInterval): { axis(period: string): string; full(period: string): string } {
  // Hours are instants, shown in the customer's zone; dates and months were already cut in it by the server.
  const hourly = interval === 'hour';
  const date = (period: string) => new Date(hourly ? period : `${period.length === 7 ? `${period}-01` : period}T00:00:00Z`);
  const format = (options: Intl.DateTimeFormatOptions) => {
    const f = new Intl.DateTimeFormat(locale, hourly ? options : { ...options, timeZone: 'UTC' });
    return (period: string) => f.format(date(period));
  };
  if (hourly)
    return {
      axis: format({ hour: 'numeric', minute: '2-digit' }),
      full: format({ month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }),
    };
  if (interval === 'month') return { axis: format({ month: 'short' }), full: format({ month: 'long', year: 'numeric' }) };
  return { axis: format({ month: 'short', day: 'numeric' }), full: format({ weekday: 'short', month: 'short', day: 'numeric' }) };
}

export interface SpendChartInput {
  /** Short labels for the axis, and the full ones for the tooltip's title. */
  labels: string[];
  titles: string[];
  /** Values stay decimal strings; they become numbers only to be drawn, and tooltips show the exact text. */
  datasets: Array<{ label: string; values: string[] }>;
  formatValue: (value: string) => string;
  /** Each period's total of every series, as the tooltip's footer says it ("Total: $3.25"). */
  totals: string[];
  /** The axis counts money in this currency (its digits, and the portal's formatter of an amount at `places`), or a
   * custom unit's plain numbers when null. */
  money: { currency: string; digits: number; format(value: string, places: number): string } | null;
  locale: string;
  palette: SpendPalette;
  rtl: boolean;
  onResize?: () => void;
}

export type SpendChart = Chart<'bar', number[], string>;

/** After the platform's primary colour, the series take these: one set for light surfaces, one for dark. */
const SERIES_ON_LIGHT = ['#0369a1', '#b45309', '#047857', '#b91c1c', '#6d28d9'];
const SERIES_ON_DARK = ['#38bdf8', '#fbbf24', '#34d399', '#f87171', '#a78bfa'];

export function drawSpendChart(canvas: HTMLCanvasElement, input: SpendChartInput, previous?: SpendChart): SpendChart {
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const { palette } = input;
  const surface = rgba(palette.surface);
  const dark = luminance(surface) < 0.4;
  const series = dark ? SERIES_ON_DARK : SERIES_ON_LIGHT;
  // Bars are graphics that carry meaning: at least 3:1 against the card (WCAG 1.4.11), whatever the brand colour.
  const colours = input.datasets.map((_, index) =>
    legible(index === 0 ? palette.primary : (series[(index - 1) % series.length] ?? palette.primary), surface, 3),
  );
  const tickText = legible(palette.muted, surface, 4.5);
  const text = legible(palette.text, surface, 4.5);
  const baseline = legible(palette.borderStrong, surface, 3);
  const grid = css(blend(rgba(baseline), surface, 0.35));
  const font = { family: palette.font, size: Math.max(12, Math.round(palette.fontSize * 0.9)) };
  const data = {
    labels: input.labels,
    datasets: input.datasets.map((dataset, index) => ({
      label: dataset.label,
      data: dataset.values.map(Number),
      backgroundColor: colours[index],
      borderRadius: 3,
      maxBarThickness: 36,
    })),
  };
  const formatTick = tickFormatter(input.locale, input.money, input.rtl);
  const options: ChartOptions<'bar'> = {
    responsive: true,
    maintainAspectRatio: false,
    animation: reducedMotion ? false : { duration: 300 },
    locale: input.locale,
    // Hovering anywhere over a period shows all of it: every series and the total, not only the segment hit.
    interaction: { mode: 'index', intersect: false, axis: 'x' },
    layout: { padding: { top: 4, left: 2, right: 2 } },
    onResize: () => input.onResize?.(),
    plugins: {
      legend: {
        display: input.datasets.length > 1,
        position: 'bottom',
        align: 'start',
        rtl: input.rtl,
        textDirection: input.rtl ? 'rtl' : 'ltr',
        labels: { color: text, font, boxWidth: 12, boxHeight: 12, padding: 12 },
      },
      tooltip: {
        rtl: input.rtl,
        textDirection: input.rtl ? 'rtl' : 'ltr',
        backgroundColor: palette.background,
        borderColor: baseline,
        borderWidth: 1,
        titleColor: text,
        bodyColor: text,
        footerColor: text,
        titleFont: { ...font, weight: 'bold' },
        bodyFont: font,
        footerFont: { ...font, weight: 'bold' },
        padding: 10,
        boxPadding: 4,
        callbacks: {
          title: (items) => input.titles[items[0]?.dataIndex ?? 0] ?? '',
          label: (item) => `${item.dataset.label ?? ''}: ${input.formatValue(valueOf(input, item.datasetIndex, item.dataIndex))}`,
          footer: (items) => (input.datasets.length > 1 ? (input.totals[items[0]?.dataIndex ?? -1] ?? '') : ''),
        },
      },
    },
    scales: {
      x: {
        stacked: true,
        reverse: input.rtl,
        grid: { display: false },
        border: { color: baseline },
        // Never rotated: labels that do not fit are skipped, so a narrow chart shows fewer, still readable, ones.
        ticks: { color: tickText, font, maxRotation: 0, minRotation: 0, autoSkip: true, autoSkipPadding: 16, padding: 4 },
      },
      y: {
        stacked: true,
        beginAtZero: true,
        position: input.rtl ? 'right' : 'left',
        border: { display: false },
        grid: { color: (context: ScriptableScaleContext) => (context.tick?.value === 0 ? baseline : grid) },
        ticks: {
          color: tickText,
          font,
          maxTicksLimit: 5,
          padding: 6,
          callback: (value, _index, ticks) => formatTick(Number(value), ticks),
        },
      },
    },
  };
  if (previous) {
    previous.data = data;
    previous.options = options;
    previous.update();
    return previous;
  }
  return new Chart(canvas, { type: 'bar', data, options });
}

function valueOf(input: SpendChartInput, dataset: number, index: number): string {
  return input.datasets[dataset]?.values[index] ?? '0';
}

/**
 * Axis ticks as money ("$2.50", "$10"), never "$2.5": whole-number ticks drop the cents, others keep the
 * currency's digits, or more when the step is finer; formatted by the portal's own `money` so they read as every
 * other amount (in Arabic too). Custom units, and values past 100,000, are plain or compact numbers.
 */
function tickFormatter(locale: string, money: SpendChartInput['money'], rtl: boolean): (value: number, ticks: Tick[]) => string {
  const plain = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  const compact = new Intl.NumberFormat(locale, {
    notation: 'compact',
    maximumFractionDigits: 1,
    ...(money ? { style: 'currency', currency: money.currency } : {}),
  });
  return (value, ticks) => {
    const max = Math.max(...ticks.map((t) => Math.abs(t.value)));
    // An isolated run in a right-to-left canvas, as the portal's amounts are.
    if (max >= 100_000) return rtl ? `\u2067${compact.format(value)}\u200e\u2069` : compact.format(value);
    if (!money) return plain.format(value);
    const whole = ticks.every((t) => Number.isInteger(t.value));
    const step = ticks.length > 1 ? Math.abs(ticks[1]!.value - ticks[0]!.value) : max;
    const places = whole ? 0 : Math.min(8, Math.max(money.digits, decimalPlaces(step)));
    return money.format(value.toFixed(places), places);
  };
}

function decimalPlaces(step: number): number {
  if (step <= 0 || !Number.isFinite(step)) return 0;
  return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
}

type Rgba = [number, number, number, number];

let probe: CanvasRenderingContext2D | null = null;

/** Any CSS colour the canvas understands (`rgb()`, `oklch()`, `color-mix()`…), as 0–255 RGBA. */
function rgba(colour: string): Rgba {
  probe ??= document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  if (!probe) return [0, 0, 0, 255];
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = '#000';
  probe.fillStyle = colour;
  probe.fillRect(0, 0, 1, 1);
  const [r = 0, g = 0, b = 0, a = 255] = probe.getImageData(0, 0, 1, 1).data;
  return [r, g, b, a];
}

function luminance([r, g, b]: Rgba): number {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

function contrast(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function blend(a: Rgba, b: Rgba, weight: number): Rgba {
  const channel = (i: 0 | 1 | 2) => Math.round(a[i] * weight + b[i] * (1 - weight));
  return [channel(0), channel(1), channel(2), 255];
}

const css = ([r, g, b]: Rgba) => `rgb(${r}, ${g}, ${b})`;

/** `colour` if it stands out from `background` by `ratio`, else moved towards white (dark card) or black until it does. */
function legible(colour: string, background: Rgba, ratio: number): string {
  const start = rgba(colour);
  // A translucent token is judged as it shows: over the card.
  const shown = start[3] === 255 ? start : blend(start, background, start[3] / 255);
  if (contrast(shown, background) >= ratio) return colour;
  const towards: Rgba = luminance(background) < 0.4 ? [255, 255, 255, 255] : [0, 0, 0, 255];
  for (let step = 1; step < 10; step += 1) {
    const candidate = blend(towards, shown, step / 10);
    if (contrast(candidate, background) >= ratio) return css(candidate);
  }
  return css(towards);
}
