import { expect, waitUntil } from '@open-wc/testing';
import { emulateMedia, sendKeys, sendMouse } from '@web/test-runner-commands';
import 'axe-core/axe.min.js';
import type { AxeResults, RunOptions } from 'axe-core';
import { Chart } from 'chart.js';
import type { UsageItem } from '@credyt/shared';
import { cleanup, emitStreamEvent, find, fixtureLog, mountPortal, section, streamOpen, text } from '../test-support/portal.ts';
import { addDecimal, compareDecimal } from '../decimal.ts';
import { queryFor } from './spend.ts';
import { spendView, type SpendChart } from './spend-chart.ts';

/** axe-core's UMD build puts `axe` on window. */
const axe = (window as unknown as { axe: { run: (context: Element, options: RunOptions) => Promise<AxeResults> } }).axe;

const chartOf = (canvas: HTMLCanvasElement) => Chart.getChart(canvas) as SpendChart;

/** The section, its canvas once drawn, and the chart on it. */
async function drawnChart(options: Parameters<typeof mountPortal>[0] = {}) {
  const mount = await mountPortal(options);
  const spend = await section(mount.el, 'credyt-portal-spend');
  const canvas = await find<HTMLCanvasElement>(spend, 'canvas[data-drawn]');
  return { ...mount, spend, canvas, chart: () => chartOf(canvas) };
}

const rangeButton = (spend: ShadowRoot, label: string) => [...spend.querySelectorAll('button')].find((b) => text(b) === label)!;

/** The colours the chart draws its axis labels and legend in, as Chart.js holds them. */
function inkOf(chart: SpendChart) {
  const scales = chart.options.scales as Record<string, { ticks: { color: string } }>;
  return { ticks: String(scales.x!.ticks.color), legend: String(chart.options.plugins!.legend!.labels!.color) };
}

/** WCAG contrast of two CSS colours, resolved by the canvas as it draws them. */
function contrast(a: string, b: string): number {
  const ctx = document.createElement('canvas').getContext('2d')!;
  const lum = (colour: string) => {
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, bl] = [...ctx.getImageData(0, 0, 1, 1).data].map((c) => {
      const s = c / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('spend section', () => {
  afterEach(async () => {
    cleanup();
    await emulateMedia({ colorScheme: 'no-preference' });
  });

  it('loads Chart.js lazily and draws the last 30 days, with the same figures and total in a table', async () => {
    const { spend, canvas } = await drawnChart();
    expect(canvas.getAttribute('role')).to.equal('img');
    expect(canvas.getAttribute('aria-label')).to.match(
      /^Spending chart\. Last 30 days, in USD: \$[\d,]+\.\d{2} in total; the highest was \$/,
    );
    const table = spend.querySelector('table')!;
    expect(text(table.querySelector('caption'))).to.equal('Last 30 days: spending in USD');
    expect([...table.querySelectorAll('thead th')].map(text)).to.deep.equal(['Period', 'US Dollar', 'Credits', 'Total']);
    const rows = table.querySelectorAll('tbody tr');
    expect(rows).to.have.length(30);
    // The first day: $1.25 from USD and nothing from credits; the total sums both exactly.
    expect([...rows[0]!.querySelectorAll('td')].map(text)).to.deep.equal(['$1.25', '$0.00', '$1.25']);
    expect([...rows[1]!.querySelectorAll('td')].map(text)).to.deep.equal(['$2.25', '$1.00', '$3.25']);
    expect(text(spend.querySelector('.total .figure'))).to.equal('$182.50');
    expect(text(spend.querySelector('.total .muted'))).to.equal('Last 30 days');
  });

  it('shows 24 hours by the hour, 7 and 30 days, and 12 months, from the keyboard too', async () => {
    const { spend, link, chart } = await drawnChart();
    const lastQuery = async () => (await fixtureLog(link)).requests.filter((r) => r.path === '/portal/api/spend').at(-1)!.query;
    const hours = rangeButton(spend, '24h');
    expect(hours.getBoundingClientRect().height).to.be.at.least(24);
    expect(hours.getBoundingClientRect().width).to.be.at.least(24);
    hours.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => text(spend.querySelector('caption')).startsWith('Last 24 hours'));
    expect(await lastQuery()).to.contain('interval=hour');
    const rows = spend.querySelectorAll('tbody tr');
    expect(rows.length).to.be.within(1, 24);
    // An hour reads as a time of day on the axis and as date and time in the table.
    await waitUntil(() => chart().data.labels!.length === rows.length);
    expect(chart().data.labels![0]).to.match(/^\d{1,2}:00\s?[AP]M$/);
    expect(text(rows[0]!.querySelector('th'))).to.match(/^[A-Z][a-z]{2} \d{1,2}, \d{1,2}:00\s?[AP]M$/);
    expect(hours.getAttribute('aria-pressed')).to.equal('true');

    rangeButton(spend, '12m').click();
    await waitUntil(() => text(spend.querySelector('caption')).startsWith('Last 12 months'));
    expect(await lastQuery()).to.contain('interval=month');
    expect(spend.querySelectorAll('tbody tr')).to.have.length(12);
    rangeButton(spend, '7d').click();
    await waitUntil(() => spend.querySelectorAll('tbody tr').length === 7);
    expect(await lastQuery()).to.match(/interval=day&from=\d{4}-\d{2}-\d{2}&to=/);
  });

  for (const [locale, labels] of [
    ['en', ['24h', '7d', '30d', '12m']],
    ['es', ['24 h', '7 días', '30 días', '12 meses']],
    ['ar', ['24 ساعة', '7 أيام', '30 يومًا', '12 شهرًا']],
  ] as const) {
    it(`names the ranges in words of the language, whole, four to a row at 320 px (${locale})`, async () => {
      const container = document.createElement('div');
      container.style.width = '320px';
      document.body.append(container);
      try {
        const { spend } = await drawnChart({ container, attrs: { locale } });
        const buttons = [...spend.querySelectorAll<HTMLButtonElement>('.segmented button')];
        expect(buttons.map((b) => text(b).replace(/[\u2066-\u2069]/g, ''))).to.deep.equal(labels);
        const group = spend.querySelector('.segmented')!.getBoundingClientRect();
        const card = spend.querySelector('.card')!.getBoundingClientRect();
        expect(group.right).to.be.at.most(card.right);
        expect(group.left).to.be.at.least(card.left);
        for (const button of buttons) {
          const box = button.getBoundingClientRect();
          expect(Math.abs(box.top - group.top), `"${text(button)}" on the row`).to.be.below(1);
          expect(button.scrollWidth, `"${text(button)}" fits its button`).to.be.at.most(button.clientWidth);
          expect(box.height).to.be.at.least(24);
        }
        // The long name says what the short one means, as the button's description (and a tooltip).
        const long = { en: 'Last 24 hours', es: 'Últimas 24 horas', ar: 'آخر 24 ساعة' }[locale];
        expect(buttons[0]!.title).to.equal(long);
        // A currency in the legend and the table is named in the customer's language.
        const usd = { en: 'US Dollar', es: 'Dólar estadounidense', ar: 'دولار أمريكي' }[locale];
        expect(text(spend.querySelectorAll('table thead th')[1])).to.equal(usd);
        expect(chartOf(spend.querySelector('canvas')!).data.datasets.map((d) => d.label)).to.deep.equal([usd, 'Credits']);
      } finally {
        container.remove();
      }
    });
  }

  it('switches from fiat to a custom unit', async () => {
    const { spend } = await drawnChart();
    const select = spend.querySelector('select')!;
    expect([...select.options].map((o) => o.textContent)).to.deep.equal(['USD', 'credits', 'tokens']);
    select.value = 'CREDITS';
    select.dispatchEvent(new Event('change'));
    await waitUntil(() => text(spend.querySelector('caption')) === 'Last 30 days: spending in credits');
    // Leading days with nothing spent are trimmed: the credits series starts on its first spend.
    expect(text(spend.querySelector('tbody td'))).to.equal('100 credits');
  });

  it('redraws in the new palette when the theme, the OS scheme or the page tokens change, without a remount', async () => {
    const { el, chart, canvas } = await drawnChart({ attrs: { theme: 'light' } });
    const card = (await section(el, 'credyt-portal-spend')).querySelector('.card')!;
    const surface = () => getComputedStyle(card).backgroundColor;
    const light = inkOf(chart());
    expect(contrast(light.ticks, surface())).to.be.at.least(4.5);

    el.setAttribute('theme', 'dark');
    await waitUntil(() => inkOf(chart()).ticks !== light.ticks, 'the ticks kept the light colour');
    const dark = inkOf(chart());
    expect(dark.legend).to.not.equal(light.legend);
    expect(contrast(dark.ticks, surface())).to.be.at.least(4.5);
    expect(contrast(dark.legend, surface())).to.be.at.least(4.5);
    expect(chartOf(canvas)).to.equal(chart()); // the same chart, updated in place

    el.setAttribute('theme', 'auto');
    await emulateMedia({ colorScheme: 'light' });
    await waitUntil(() => inkOf(chart()).ticks === light.ticks, 'auto in a light OS did not go back to light');
    await emulateMedia({ colorScheme: 'dark' });
    await waitUntil(() => inkOf(chart()).ticks === dark.ticks, 'the OS switch to dark was not followed');

    el.style.setProperty('--credyt-color-muted', 'rgb(254, 240, 138)');
    await waitUntil(() => inkOf(chart()).ticks === 'rgb(254, 240, 138)', 'the page token was not followed');
  });

  it('follows the live stream: a usage event updates the chart and the table without a reload', async () => {
    const { spend, link, chart } = await drawnChart();
    await streamOpen(link);
    const before = chart().data.datasets[0]!.data.at(-1)!;
    const today = spend.querySelectorAll('tbody tr')[29]!;
    const totalBefore = text(today.querySelectorAll('td')[2]);
    const amount = '10.000000000000000001';
    const product = { code: 'chat', name: 'Chat completions' };
    const item: UsageItem = {
      id: 'evt_live',
      occurred_at: new Date().toISOString(),
      product,
      subject: null,
      description: null,
      fee_description: '$10.00 per event',
      amount,
      asset: 'USD',
      fiat_amount: amount,
      fees: [
        {
          id: 'ent_live',
          product,
          price_name: 'Per request',
          fee_description: '$10.00 per event',
          rate: { amount: '10', per: '1', unit: null },
          amount,
          asset: 'USD',
          fiat_amount: amount,
        },
      ],
      quantities: [],
      totals: [{ asset: 'USD', amount, fiat_amount: amount }],
    };
    const delivered = await emitStreamEvent(link, 'usage.created', item);
    expect(delivered).to.equal(1);
    await waitUntil(() => chart().data.datasets[0]!.data.at(-1) === before + 10, 'the chart kept the old figure', { timeout: 5000 });
    expect(text(spend.querySelectorAll('tbody tr')[29]!.querySelectorAll('td')[2])).to.not.equal(totalBefore);
  });

  it('shows every series and the period’s total on hover anywhere over a period', async () => {
    const { spend, canvas, chart } = await drawnChart();
    const index = 1;
    const bar = chart().getDatasetMeta(0).data[index]!;
    canvas.scrollIntoView({ block: 'center' });
    const box = canvas.getBoundingClientRect();
    // Over the period but well above its bars: not an exact hit on a segment.
    await sendMouse({ type: 'move', position: [Math.round(box.left + bar.x), Math.round(box.top + chart().chartArea.top + 4)] });
    await waitUntil(() => (chart().tooltip?.dataPoints?.length ?? 0) > 0, 'no tooltip');
    const tooltip = chart().tooltip!;
    expect(tooltip.dataPoints.map((p) => p.dataIndex)).to.deep.equal([index, index]);
    expect(tooltip.title).to.deep.equal([text(spend.querySelectorAll('tbody tr')[index]!.querySelector('th'))]);
    expect(tooltip.body.map((b) => b.lines.join(''))).to.deep.equal(['US Dollar: $2.25', 'Credits: $1.00']);
    expect(tooltip.footer).to.deep.equal(['Total: $3.25']);
    await sendMouse({ type: 'move', position: [0, 0] });
  });

  it('writes axis ticks as money, never rotated, and fits a 320 px element without clipping a label', async () => {
    for (const locale of ['en', 'ar']) {
      const container = document.createElement('div');
      container.style.width = '320px';
      document.body.append(container);
      try {
        const { el, spend, chart } = await drawnChart({ container, attrs: { locale } });
        const y = chart().scales.y!;
        expect(y.ticks.length).to.be.within(3, 6);
        if (locale === 'en') for (const tick of y.ticks) expect(String(tick.label)).to.match(/^\$\d+(\.\d{2})?$/);
        const x = chart().scales.x!;
        expect(x.labelRotation).to.equal(0);
        const ctx = chart().ctx;
        const width = chart().width;
        for (const item of x.getLabelItems()) {
          ctx.font = item.font.string;
          const half = ctx.measureText(String(item.label)).width / 2;
          const [left = NaN] = item.options.translation as [number, number];
          expect(left - half, `label ${String(item.label)}`).to.be.at.least(-0.5);
          expect(left + half, `label ${String(item.label)}`).to.be.at.most(width + 0.5);
        }
        const host = el.getBoundingClientRect();
        for (const node of spend.querySelectorAll('.head, .controls button, select, canvas, .total .figure')) {
          const box = node.getBoundingClientRect();
          expect(box.left, node.localName).to.be.at.least(host.left - 0.5);
          expect(box.right, node.localName).to.be.at.most(host.right + 0.5);
        }
      } finally {
        cleanup();
        container.remove();
      }
    }
  });

  it('passes axe (WCAG 2.2 AA, target size) with the table shown, light and dark, at 320 px and wide', async () => {
    for (const [theme, width] of [
      ['light', '320px'],
      ['dark', '320px'],
      ['dark', '900px'],
    ] as const) {
      const container = document.createElement('div');
      container.style.width = width;
      document.body.append(container);
      try {
        const { el, spend } = await drawnChart({ container, attrs: { theme, sections: 'spend_history' } });
        spend.querySelector<HTMLButtonElement>('.table-toggle')!.click();
        await waitUntil(() => spend.querySelector('.table-wrap:not(.sr-only)'));
        const results = await axe.run(el, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
          resultTypes: ['violations'],
        });
        const summary = results.violations.map((v) => `${theme} ${width} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        expect(summary, summary.join('\n')).to.deep.equal([]);
      } finally {
        cleanup();
        container.remove();
      }
    }
  });

  it('says so when nothing was spent, with the total and the controls still there, in the chart’s box', async () => {
    // The box while loading, measured where loading lasts (every data call takes 1.5 s), so the skeleton cannot
    // be gone before it is seen; then the empty answer in a portal of the same width.
    const slow = await mountPortal({ scenario: 'slow' });
    const reserved = (await find(await section(slow.el, 'credyt-portal-spend'), '.chart-skeleton')).getBoundingClientRect().height;
    cleanup();
    const { el } = await mountPortal({ scenario: 'empty' });
    const spend = await section(el, 'credyt-portal-spend');
    await find(spend, '.empty');
    expect(text(spend.querySelector('.empty'))).to.equal('No spending in this period.');
    expect(text(spend.querySelector('.total .figure'))).to.equal('$0.00');
    expect(spend.querySelector('table')).to.equal(null);
    // No chart, but its box keeps the size it had while loading (nothing below moves up), the message inside.
    expect(spend.querySelector<HTMLCanvasElement>('canvas')!.hidden).to.equal(true);
    const chart = spend.querySelector<HTMLElement>('.chart')!;
    expect(chart.contains(spend.querySelector('.empty'))).to.equal(true);
    expect(chart.getBoundingClientRect().height).to.equal(reserved);
  });

  it('asks for two local days of hours, 7 or 30 days, or 12 months', () => {
    const today = new Date(2025, 10, 20, 15);
    expect(queryFor('24h', today)).to.deep.equal({ interval: 'hour', from: '2025-11-19', to: '2025-11-20' });
    expect(queryFor('7d', today)).to.deep.equal({ interval: 'day', from: '2025-11-14', to: '2025-11-20' });
    expect(queryFor('30d', today)).to.deep.equal({ interval: 'day', from: '2025-10-22', to: '2025-11-20' });
    expect(queryFor('12m', today)).to.deep.equal({ interval: 'month', from: '2024-12-01', to: '2025-11-20' });
  });

  it('keeps the 24 hours up to now and trims the empty periods before the first spend', () => {
    const hours = Array.from({ length: 48 }, (_, i) => `2025-11-${19 + Math.floor(i / 24)}T${String(i % 24).padStart(2, '0')}:00+00:00`);
    const at = new Date('2025-11-20T15:20:00Z');
    const points = hours.map((period, i) => ({ period, amount: i === 30 ? '0.1' : i === 31 ? '0.2' : '0', fiat_amount: '0' }));
    const decimal = { add: addDecimal, compare: compareDecimal };
    const view = spendView({ currency: 'USD', series: [{ asset: 'USD', points }] }, 'USD', 'hour', at, decimal);
    // From 16:00 yesterday to 15:00 today, then trimmed to the first hour with spend (06:00 today).
    expect(view.periods[0]).to.equal('2025-11-20T06:00+00:00');
    expect(view.periods.at(-1)).to.equal('2025-11-20T15:00+00:00');
    expect(view.totals.slice(0, 2)).to.deep.equal(['0.1', '0.2']);
    expect(view.total).to.equal('0.3');
    expect(view.peak).to.equal(1);
  });
});
