import { expect, waitUntil } from '@open-wc/testing';
import { cleanup, find, fixtureLog, mountPortal, section, text } from '../test-support/portal.ts';
import { rangeFor } from './spend.ts';

describe('spend section', () => {
  afterEach(cleanup);

  it('loads Chart.js lazily and draws the chart, with the same figures in a table', async () => {
    const { el } = await mountPortal();
    const spend = await section(el, 'credyt-portal-spend');
    const canvas = await find<HTMLCanvasElement>(spend, 'canvas[data-drawn]');
    expect(canvas.getAttribute('role')).to.equal('img');
    const table = spend.querySelector('table')!;
    expect(text(table.querySelector('caption'))).to.equal('Spending by Day, in USD');
    const rows = table.querySelectorAll('tbody tr');
    expect(rows).to.have.length(30);
    // The last day: $1.25 + … from USD plus the credits' fiat amount, summed exactly.
    expect(text(rows[0]!.querySelector('td'))).to.match(/^\$\d+\.\d{2}$/);
  });

  it('switches between day, week and month', async () => {
    const { el, link } = await mountPortal();
    const spend = await section(el, 'credyt-portal-spend');
    await find(spend, 'canvas[data-drawn]');
    const month = [...spend.querySelectorAll('button')].find((b) => text(b) === 'Month')!;
    month.click();
    await waitUntil(() => text(spend.querySelector('caption')).startsWith('Spending by Month'));
    const requests = (await fixtureLog(link)).requests.filter((r) => r.path === '/portal/api/spend');
    expect(requests.at(-1)!.query).to.contain('interval=month');
    expect(spend.querySelectorAll('tbody tr')).to.have.length(12);
  });

  it('switches from fiat to a custom unit', async () => {
    const { el } = await mountPortal();
    const spend = await section(el, 'credyt-portal-spend');
    await find(spend, 'canvas[data-drawn]');
    const select = spend.querySelector('select')!;
    expect([...select.options].map((o) => o.textContent)).to.deep.equal(['USD', 'credits', 'tokens']);
    select.value = 'CREDITS';
    select.dispatchEvent(new Event('change'));
    await waitUntil(() => text(spend.querySelector('caption')) === 'Spending by Day, in credits');
    expect(text(spend.querySelector('tbody td'))).to.match(/credits$/);
  });

  it('asks for 30 days, 12 weeks or 12 months', () => {
    const today = new Date(2025, 10, 20);
    expect(rangeFor('day', today)).to.deep.equal({ from: '2025-10-22', to: '2025-11-20' });
    expect(rangeFor('week', today)).to.deep.equal({ from: '2025-09-01', to: '2025-11-20' });
    expect(rangeFor('month', today)).to.deep.equal({ from: '2024-12-01', to: '2025-11-20' });
  });
});
