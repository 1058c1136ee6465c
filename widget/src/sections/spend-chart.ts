/**
 * The Chart.js part of the spend section, loaded with `import()` the first time the section is shown, so it lands
 * in its own chunk. Only what a bar chart needs is registered (never `chart.js/auto`).
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartOptions } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export interface SpendChartInput {
  labels: string[];
  /** Values stay decimal strings; they become numbers only to be drawn, and tooltips show the exact text. */
  datasets: Array<{ label: string; values: string[]; color: string }>;
  stacked: boolean;
  formatValue: (value: string) => string;
  formatTick: (value: number) => string;
  textColor: string;
  gridColor: string;
  rtl: boolean;
}

export type SpendChart = Chart<'bar', number[], string>;

export function drawSpendChart(canvas: HTMLCanvasElement, input: SpendChartInput, previous?: SpendChart): SpendChart {
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const data = {
    labels: input.labels,
    datasets: input.datasets.map((dataset) => ({
      label: dataset.label,
      data: dataset.values.map(Number),
      backgroundColor: dataset.color,
      borderRadius: 3,
      maxBarThickness: 36,
    })),
  };
  const options: ChartOptions<'bar'> = {
    responsive: true,
    maintainAspectRatio: false,
    animation: reducedMotion ? false : { duration: 300 },
    plugins: {
      legend: { display: input.datasets.length > 1, rtl: input.rtl, labels: { color: input.textColor } },
      tooltip: {
        rtl: input.rtl,
        callbacks: {
          label: (item) => {
            const value = input.datasets[item.datasetIndex]?.values[item.dataIndex] ?? '0';
            return `${item.dataset.label ?? ''}: ${input.formatValue(value)}`;
          },
        },
      },
    },
    scales: {
      x: { stacked: input.stacked, reverse: input.rtl, ticks: { color: input.textColor }, grid: { display: false } },
      y: {
        stacked: input.stacked,
        beginAtZero: true,
        position: input.rtl ? 'right' : 'left',
        ticks: { color: input.textColor, callback: (value) => input.formatTick(Number(value)) },
        grid: { color: input.gridColor },
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
