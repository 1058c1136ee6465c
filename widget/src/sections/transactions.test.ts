import { expect, waitUntil } from '@open-wc/testing';
import type { TransactionsPage } from '@credyt/shared';
import { addDecimal, compareDecimal } from '../decimal.ts';
import { cleanup, find, fixtureLog, linkToken, mountPortal, section, shownDateTime, text as rawText } from '../test-support/portal.ts';

/** What a reader sees: the text without the invisible bidirectional isolates around units and amounts. */
const text = (node: Node | null | undefined) => rawText(node).replace(/[\u2066-\u2069]/g, '');
import { recentMonths } from './transactions.ts';

function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event('change'));
}

const rowsOf = (scope: ShadowRoot) => [...scope.querySelectorAll<HTMLTableRowElement>('tbody > tr:not(.details)')];
const cellsOf = (row: Element) => [...row.querySelectorAll('td')].map(text);
const pagerText = (scope: ShadowRoot) => text(scope.querySelector('.pager span'));

/** A displayed amount read back as the decimal it says ("-$1,009.9958" → "-1009.9958", "4,970 credits" → "4970"). */
function shownDecimal(shown: string): string {
  const negative = /[-−]/.test(shown);
  const digits = shown.replace(/[^\d.]/g, '');
  return negative ? `-${digits}` : digits;
}

/** What the fixture answers, read directly with a link of our own: to compare the page with the data behind it. */
async function fixtureTransactions(query: string): Promise<TransactionsPage> {
  const exchange = await fetch('/portal/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: linkToken('filled') }),
  });
  const { access_token } = (await exchange.json()) as { access_token: string };
  const response = await fetch(`/portal/api/transactions?${query}`, { headers: { authorization: `Bearer ${access_token}` } });
  return (await response.json()) as TransactionsPage;
}

async function mounted(attrs: Record<string, string> = {}, container?: HTMLElement) {
  const mount = await mountPortal({ attrs: { sections: 'wallet,transactions', ...attrs }, ...(container ? { container } : {}) });
  const transactions = await section(mount.el, 'credyt-portal-transactions');
  await find(transactions, 'tbody');
  return { ...mount, transactions };
}

describe('transactions section', () => {
  afterEach(() => {
    cleanup();
    document.querySelectorAll('body > div.host').forEach((d) => d.remove());
  });

  it('groups usage per day and product by default, each group one tab stop that opens to its events', async () => {
    const { transactions, link } = await mounted();
    await waitUntil(() => rowsOf(transactions).some((r) => r.classList.contains('summary')));
    const request = (await fixtureLog(link)).requests.find((r) => r.path === '/portal/api/transactions')!;
    expect(request.query).to.contain('view=grouped');
    const rows = rowsOf(transactions);
    // Other entries stay rows of their own; usage is one row per day and product.
    expect(cellsOf(rows[0]!)[1]).to.contain('top up #1');
    const group = rows[1]!;
    const [, what, amount, balance] = cellsOf(group);
    expect(what).to.contain('Chat completions').and.contain('5 events').and.contain('Usage');
    // 5 chats: 6,200 input tokens at $2.50 per 1M and 5 × 567 output tokens at $10 per 1M, to the last digit.
    expect(amount).to.equal('-$0.04385');
    expect(balance).to.equal('');
    const focusable = group.querySelectorAll('button, a, input, select, [tabindex]');
    expect(focusable).to.have.length(1);
    const toggle = focusable[0] as HTMLButtonElement;
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    expect(toggle.getBoundingClientRect().height).to.be.at.least(24);
    toggle.click();
    await waitUntil(() => transactions.querySelectorAll('tr.details:not([hidden]) .breakdown li').length === 5, 'the events did not show');
    expect(toggle.getAttribute('aria-expanded')).to.equal('true');
    const details = transactions.getElementById(toggle.getAttribute('aria-controls')!)!;
    expect(details.hidden).to.equal(false);
    const events = [...details.querySelectorAll('.breakdown li')];
    expect(text(events[0]!)).to.contain('1,234 input tokens · 567 output tokens').and.contain('-$0.008755');
    // The events add up to the group's total, exactly.
    const sum = events.map((e) => shownDecimal(text(e.querySelector('.num')))).reduce((a, b) => addDecimal(a, b), '0');
    expect(compareDecimal(sum, '-0.04385')).to.equal(0);
    const usageRequest = (await fixtureLog(link)).requests.filter((r) => r.path === '/portal/api/usage').at(-1)!;
    expect(usageRequest.query)
      .to.contain('product=chat')
      .and.contain('asset=USD')
      .and.match(/from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/);
  });

  it('shows every entry on request, dated when it happened, each balance adding up row to row', async () => {
    const { transactions } = await mounted();
    choose(transactions.querySelector<HTMLSelectElement>('select[name="view"]')!, 'entries');
    await waitUntil(() => rowsOf(transactions).length === 20 && !rowsOf(transactions).some((r) => r.classList.contains('summary')));
    const rows = rowsOf(transactions).map((row) => ({
      row,
      cells: cellsOf(row),
      asset: /credit/.test(cellsOf(row)[2]!) ? 'CREDITS' : 'USD',
    }));
    // Sub-cent usage is shown as charged: never "less than".
    const usage = rows.find((r) => r.cells[1]!.includes('usage #2'))!;
    expect(usage.cells[2]).to.equal('-$0.0042');
    expect(text(transactions.querySelector('table'))).not.to.contain('less than');
    // Every dollar amount of the list has as many decimals as its most precise one, so the digits line up.
    const decimals = rows
      .flatMap((r) => r.cells.slice(2, 4))
      .filter((c) => c.includes('$'))
      .map((c) => c.split('.')[1]!.length);
    expect(new Set(decimals)).to.deep.equal(new Set([4]));
    // Newest first: a row's balance is the next older row's (same asset) plus its own amount, to the last digit.
    let checked = 0;
    for (const [i, r] of rows.entries()) {
      const older = rows.slice(i + 1).find((o) => o.asset === r.asset);
      if (!older) continue;
      const expected = addDecimal(shownDecimal(older.cells[3]!), shownDecimal(r.cells[2]!));
      expect(
        compareDecimal(shownDecimal(r.cells[3]!), expected),
        `${r.cells[1]}: ${older.cells[3]} + ${r.cells[2]} ≠ ${r.cells[3]}`,
      ).to.equal(0);
      checked += 1;
    }
    expect(checked).to.be.above(15);
    // The date is when it happened: a usage entry was recorded a day after its event.
    const data = (await fixtureTransactions('limit=20')).items.find((t) => t.description === 'usage #2')!;
    const DAY = 86_400_000;
    expect(Date.parse(data.created_at) - Date.parse(data.occurred_at)).to.equal(DAY);
    const time = usage.row.querySelector('time')!;
    const shownAt = time.getAttribute('datetime')!;
    // (The fixture dates from its own clock: the page and this read are moments apart.)
    expect(Math.abs(Date.parse(shownAt) - Date.parse(data.occurred_at))).to.be.below(60_000);
    expect(text(time)).to.equal(shownDateTime(new Date(shownAt)));
  });

  it('pages with the total: "1–20 of 57" grouped, "21–40 of 60" for every entry', async () => {
    const { transactions, link } = await mounted();
    await waitUntil(() => pagerText(transactions) === '1–20 of 57', `pager said "${pagerText(transactions)}"`);
    choose(transactions.querySelector<HTMLSelectElement>('select[name="view"]')!, 'entries');
    await waitUntil(() => pagerText(transactions) === '1–20 of 60', `pager said "${pagerText(transactions)}"`);
    const [previous, next] = transactions.querySelectorAll<HTMLButtonElement>('.pager button');
    expect(previous!.disabled).to.equal(true);
    next!.click();
    await waitUntil(() => cellsOf(rowsOf(transactions)[0]!)[1]!.startsWith('adjustment #21'));
    expect(pagerText(transactions)).to.equal('21–40 of 60');
    next!.click();
    await waitUntil(() => cellsOf(rowsOf(transactions)[0]!)[1]!.startsWith('gift #41'));
    expect(next!.disabled).to.equal(true);
    // The count is asked once per set of filters, beside the first page.
    const counts = (await fixtureLog(link)).requests.filter((r) => r.path === '/portal/api/transactions' && r.query.includes('total=true'));
    expect(counts).to.have.length(2);
  });

  it('reads the range left to right in Arabic too ("1–20", not "20–1")', async () => {
    const { transactions } = await mounted({ locale: 'ar' });
    const span = transactions.querySelector('.pager span')!;
    await waitUntil(() => text(span).includes('من'));
    const node = [...span.childNodes].find((n): n is Text => n instanceof Text && n.data.includes('–'))!;
    const at = (needle: string) => {
      const range = document.createRange();
      const start = node.data.indexOf(needle);
      range.setStart(node, start);
      range.setEnd(node, start + needle.length);
      return range.getBoundingClientRect().left;
    };
    expect(text(span)).to.equal('1–20 من 57');
    expect(at('1–')).to.be.below(at('20'));
  });

  it('links receipts for top-ups', async () => {
    const { transactions } = await mounted();
    const receipt = rowsOf(transactions)[0]!.querySelector<HTMLAnchorElement>('a')!;
    expect(receipt.href).to.equal('https://pay.example/receipts/rcpt_1');
    expect(receipt.getAttribute('aria-label')).to.equal('Receipt: top up #1');
    expect(text(rowsOf(transactions)[0]!.querySelector('.category'))).to.equal('Top-up');
  });

  it('names entries the BFF described itself by their category, in the reader’s language; keeps the platform’s words', async () => {
    const { transactions } = await mounted({ locale: 'es' });
    choose(transactions.querySelector<HTMLSelectElement>('select[name="view"]')!, 'entries');
    await waitUntil(() => rowsOf(transactions).length === 20 && !rowsOf(transactions).some((r) => r.classList.contains('summary')));
    const described = rowsOf(transactions).map((row) => cellsOf(row)[1]!);
    // "Auto top-up" (every auto top-up) and "US Dollar top-up" (the 8th entry): the category alone, without a chip.
    expect(described[2]).to.equal('Recarga automática');
    expect(described[7]).to.equal('Recarga');
    expect(rowsOf(transactions)[7]!.querySelector('.category')).to.equal(null);
    expect(rowsOf(transactions)[7]!.querySelector('a')!.getAttribute('aria-label')).to.contain('Recarga');
    // The platform's own description stays as written, with its category beside it.
    expect(described[0]).to.equal('top up #1Recarga');
    expect(text(transactions)).not.to.contain('US Dollar top-up');
  });

  it('filters by category, asset and month (by when it happened, in the reader’s time zone)', async () => {
    const { transactions, link } = await mounted();
    choose(transactions.querySelector<HTMLSelectElement>('select[name="category"]')!, 'usage');
    await waitUntil(() => rowsOf(transactions).every((r) => text(r.querySelector('.category, .meta')).includes('Usage')));
    choose(transactions.querySelector<HTMLSelectElement>('select[name="asset"]')!, 'CREDITS');
    const month = recentMonths(new Date(), 1)[0]!;
    choose(transactions.querySelector<HTMLSelectElement>('select[name="month"]')!, month);
    await waitUntil(async () =>
      (await fixtureLog(link)).requests.some((r) => r.query.includes(`month=${month}`) && r.query.includes('asset=CREDITS')),
    );
    const query = (await fixtureLog(link)).requests.filter((r) => r.path === '/portal/api/transactions').at(-1)!.query;
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(query)
      .to.contain('category=usage')
      .and.contain('asset=CREDITS')
      .and.contain(`tz=${encodeURIComponent(tz)}`);
  });

  it('downloads the CSV with the bearer token, through a Blob URL', async () => {
    const { transactions, link } = await mounted();
    choose(transactions.querySelector<HTMLSelectElement>('select[name="category"]')!, 'top_up');
    const download = transactions.querySelector<HTMLAnchorElement>('a.download')!;
    await waitUntil(() => download.href.includes('category=top_up'));
    expect(download.href).to.contain('/portal/api/transactions?format=csv&category=top_up');
    // One row per entry, whatever the view.
    expect(download.href).not.to.contain('view=');
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

  for (const locale of ['en', 'es', 'ar']) {
    it(`gives every filter room for its longest option, one to a row at 320 px and evenly shared when wider (${locale})`, async () => {
      const host = document.createElement('div');
      host.className = 'host';
      document.body.append(host);
      host.style.width = '320px';
      const { transactions } = await mounted({ locale }, host);
      const filters = transactions.querySelector('.filters')!;
      const selects = [...filters.querySelectorAll('select')];
      expect(selects).to.have.length(4);
      for (const width of [320, 534, 820, 1280]) {
        host.style.width = `${width}px`;
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        const card = transactions.querySelector('.card')!.getBoundingClientRect();
        const boxes = selects.map((select) => select.getBoundingClientRect());
        for (const [i, select] of selects.entries()) {
          // The select as wide as its widest option needs (the browser's own width for it), drawn beside it.
          const probe = select.cloneNode(true) as HTMLSelectElement;
          probe.style.cssText = 'position: absolute; width: auto; visibility: hidden';
          select.after(probe);
          const needs = probe.getBoundingClientRect().width;
          probe.remove();
          const longest = [...select.options].map((o) => o.text).sort((a, b) => b.length - a.length)[0];
          expect(boxes[i]!.width, `${width} px: "${longest}" in ${select.name} (${boxes[i]!.width} < ${needs})`).to.be.at.least(
            needs - 0.5,
          );
          expect(boxes[i]!.left).to.be.at.least(card.left);
          expect(boxes[i]!.right).to.be.at.most(card.right);
        }
        if (width === 320) {
          for (const [i, box] of boxes.entries()) if (i > 0) expect(box.top, 'one filter to a row').to.be.above(boxes[i - 1]!.bottom);
        } else {
          // Side by side, each as wide as the others (no one stretched over the row).
          expect(Math.abs(boxes[0]!.top - boxes[1]!.top), `${width} px: side by side`).to.be.below(1);
          const widths = boxes.map((b) => b.width);
          expect(Math.max(...widths) - Math.min(...widths), `${width} px: widths ${widths.join(', ')}`).to.be.below(1);
        }
        const download = filters.querySelector('a.download')!.getBoundingClientRect();
        expect(download.right).to.be.at.most(card.right);
        expect(download.left).to.be.at.least(card.left);
        expect(download.height).to.be.at.least(24);
      }
      // A currency is named in the customer's language; a custom asset by the platform's name.
      const assets = [...transactions.querySelectorAll<HTMLOptionElement>('select[name="asset"] option')].map((o) => o.text);
      const usd = { en: 'US Dollar', es: 'Dólar estadounidense', ar: 'دولار أمريكي' }[locale];
      expect(assets.slice(1)).to.deep.equal([usd, 'Credits', 'GPU tokens']);
    });
  }

  for (const locale of ['en', 'ar']) {
    it(`stacks rows at 320 px (${locale}): date and amount on top, every amount and balance inside the element`, async () => {
      const host = document.createElement('div');
      host.className = 'host';
      host.style.width = '320px';
      document.body.append(host);
      const { el, transactions } = await mounted({ locale }, host);
      for (const view of ['grouped', 'entries']) {
        choose(transactions.querySelector<HTMLSelectElement>('select[name="view"]')!, view);
        await waitUntil(() => rowsOf(transactions).some((r) => r.classList.contains('summary')) === (view === 'grouped'));
        if (view === 'grouped') rowsOf(transactions)[1]!.querySelector<HTMLButtonElement>('button.toggle')!.click();
        if (view === 'grouped') await waitUntil(() => transactions.querySelector('tr.details:not([hidden]) .breakdown li'));
        const box = el.getBoundingClientRect();
        expect(Math.round(box.width)).to.equal(320);
        const money = [...transactions.querySelectorAll('td.num bdi, .breakdown .num')].filter((m) => text(m) !== '');
        expect(money.length).to.be.above(20);
        for (const m of money) {
          const r = m.getBoundingClientRect();
          expect(r.width, `"${text(m)}" is not drawn`).to.be.above(0);
          expect(r.left >= box.left - 0.5 && r.right <= box.right + 0.5, `${view}: "${text(m)}" at ${r.left}–${r.right}`).to.equal(true);
        }
        const wrap = transactions.querySelector('.table-wrap')!;
        expect(wrap.scrollWidth, 'sideways scroll').to.be.at.most(wrap.clientWidth + 1);
        const row = rowsOf(transactions)[2]!;
        const [date, description, amount] = [...row.querySelectorAll('td')].map((c) => c.getBoundingClientRect());
        expect(Math.abs(date!.top - amount!.top), 'date and amount share the top line').to.be.below(4);
        expect(description!.top).to.be.at.least(date!.bottom - 1);
      }
    });
  }
});
