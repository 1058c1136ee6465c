import { expect, waitUntil } from '@open-wc/testing';
import { cleanup, find, fixtureLog, mountPortal, section, text } from '../test-support/portal.ts';
import { recentMonths } from './transactions.ts';

function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event('change'));
}

describe('transactions section', () => {
  afterEach(cleanup);

  it('lists transactions with receipts for top-ups, and pages', async () => {
    const { el } = await mountPortal();
    const transactions = await section(el, 'credyt-portal-transactions');
    const rows = (await find(transactions, 'tbody')).querySelectorAll('tr');
    expect(rows).to.have.length(20);
    const receipt = rows[0]!.querySelector<HTMLAnchorElement>('a')!;
    expect(receipt.href).to.equal('https://pay.example/receipts/rcpt_1');
    expect(receipt.getAttribute('aria-label')).to.equal('Receipt: top up #1');
    expect(text(rows[0]!.querySelector('.category'))).to.equal('Top-up');
    const [previous, next] = transactions.querySelectorAll<HTMLButtonElement>('.pager button');
    expect(previous!.disabled).to.equal(true);
    next!.click();
    await waitUntil(() => text(transactions.querySelector('tbody td:nth-child(2)')).startsWith('adjustment #21'));
    expect(transactions.querySelectorAll('tbody tr')).to.have.length(20);
    next!.click();
    await waitUntil(() => text(transactions.querySelector('tbody td:nth-child(2)')).startsWith('gift #41'));
    expect(next!.disabled).to.equal(true);
    previous!.click();
    await waitUntil(() => text(transactions.querySelector('tbody td:nth-child(2)')).startsWith('adjustment #21'));
  });

  it('filters by category, asset and month', async () => {
    const { el, link } = await mountPortal();
    const transactions = await section(el, 'credyt-portal-transactions');
    await find(transactions, 'tbody');
    choose(transactions.querySelector<HTMLSelectElement>('select[name="category"]')!, 'usage');
    await waitUntil(() => [...transactions.querySelectorAll('tbody .category')].every((c) => text(c) === 'Usage'));
    choose(transactions.querySelector<HTMLSelectElement>('select[name="asset"]')!, 'CREDITS');
    const month = recentMonths(new Date(), 1)[0]!;
    choose(transactions.querySelector<HTMLSelectElement>('select[name="month"]')!, month);
    await waitUntil(async () =>
      (await fixtureLog(link)).requests.some((r) => r.query.includes(`month=${month}`) && r.query.includes('asset=CREDITS')),
    );
    const query = (await fixtureLog(link)).requests.filter((r) => r.path === '/portal/api/transactions').at(-1)!.query;
    expect(query).to.contain('category=usage').and.contain('asset=CREDITS');
  });

  it('downloads the CSV with the bearer token, through a Blob URL', async () => {
    const { el, link } = await mountPortal();
    const transactions = await section(el, 'credyt-portal-transactions');
    await find(transactions, 'tbody');
    choose(transactions.querySelector<HTMLSelectElement>('select[name="category"]')!, 'top_up');
    const download = transactions.querySelector<HTMLAnchorElement>('a.download')!;
    await waitUntil(() => download.href.includes('category=top_up'));
    expect(download.href).to.contain('/portal/api/transactions?format=csv&category=top_up');
    const created: string[] = [];
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = (blob: Blob) => {
      created.push(blob.type);
      return createObjectURL(new Blob([], { type: 'text/csv' }));
    };
    try {
      download.click();
      await waitUntil(() => created.length === 1);
    } finally {
      URL.createObjectURL = createObjectURL;
    }
    expect(created[0]).to.contain('text/csv');
    const csv = (await fixtureLog(link)).requests.find((r) => r.query.includes('format=csv'));
    expect(csv).to.not.equal(undefined);
  });

  it('shows an empty state when nothing matches', async () => {
    const { el } = await mountPortal({ scenario: 'empty' });
    const transactions = await section(el, 'credyt-portal-transactions');
    expect(text(await find(transactions, '.empty'))).to.equal('No transactions match these filters.');
  });
});
