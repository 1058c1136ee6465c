import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import {
  cleanup,
  emitStreamEvent,
  find,
  mountPortal,
  section,
  shownDateTime,
  streamOpen,
  text as rawText,
} from '../test-support/portal.ts';

/** What a reader sees: the text without the invisible bidirectional isolates around units and amounts. */
const text = (node: Node | null | undefined) => rawText(node).replace(/[\u2066-\u2069]/g, '');
import { roundDown } from './section.ts';
import { withoutQuantities } from './usage.ts';

/** The first character of each line of `scope`, in reading order (spaces and isolates skipped). */
function lineStarts(scope: Element): string[] {
  const starts: string[] = [];
  let top = -Infinity;
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
    for (let i = 0; i < node.data.length; i++) {
      if (/[\s\u2066-\u2069]/.test(node.data[i]!)) continue;
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getBoundingClientRect();
      if (rect.height === 0) continue;
      if (rect.top > top + rect.height / 2) {
        starts.push(node.data[i]!);
        top = rect.top;
      }
    }
  }
  return starts;
}

const summaries = (usage: ShadowRoot) => [...usage.querySelectorAll<HTMLTableRowElement>('tbody tr.summary')];
const cells = (row: Element) => [...row.querySelectorAll('td')].map(text);

/** The portal in a box `width` px wide (the layout keys on the element's own width). */
async function mountAt(width: number, attrs: Record<string, string> = {}) {
  const container = document.createElement('div');
  container.style.width = `${width}px`;
  document.body.append(container);
  const mount = await mountPortal({ container, attrs: { sections: 'wallet,usage_history', ...attrs } });
  return { ...mount, container };
}

describe('usage section', () => {
  afterEach(() => {
    cleanup();
    document.querySelectorAll('body > div').forEach((d) => d.remove());
  });

  it('shows one row per event: its tokens, its cost to the last digit, and when it happened', async () => {
    const { el } = await mountPortal();
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    const rows = summaries(usage);
    expect(rows).to.have.length(25);
    const [when, what, amount] = cells(rows[0]!);
    // Two fees (input and output tokens) in one row, and the quantities they were billed on.
    expect(what).to.contain('Chat completions').and.contain('1,234 input tokens · 567 output tokens').and.contain('project-alpha');
    expect(amount).to.equal('$0.008755');
    // The date is when the usage happened (occurred_at), in the reader's time zone.
    const now = new Date();
    const noonYesterday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1, 12));
    expect(when).to.equal(shownDateTime(noonYesterday));
    expect(rows[0]!.querySelector('time')!.getAttribute('datetime')).to.equal(noonYesterday.toISOString());
    // A fee of a fraction of a cent is shown as charged, not "less than $0.01".
    expect(cells(rows[1]!)[2]).to.equal('$0.00000125');
    expect(cells(rows[1]!)[1]).to.contain('$0.00000125 per event');
    expect(cells(rows[2]!)[2]).to.contain('30 credits').and.contain('≈ $0.30');
    expect(text(usage.querySelector('table'))).not.to.contain('less than');
  });

  it('opens an event to its fees with one tab stop, each price in words', async () => {
    const { el } = await mountPortal({ attrs: { sections: 'usage_history' } });
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    const first = summaries(usage)[0]!;
    // The row's one focusable thing is its toggle: 24 px or more, collapsed, pointing at the details.
    const focusable = first.querySelectorAll('button, a, input, select, [tabindex]');
    expect(focusable).to.have.length(1);
    const toggle = focusable[0] as HTMLButtonElement;
    expect(toggle.getBoundingClientRect().height).to.be.at.least(24);
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    const details = usage.getElementById(toggle.getAttribute('aria-controls')!)!;
    expect(details.hidden).to.equal(true);
    toggle.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => toggle.getAttribute('aria-expanded') === 'true');
    expect(details.hidden).to.equal(false);
    const fees = [...details.querySelectorAll('.breakdown li')].map((li) => [
      text(li.querySelector('.name')),
      text(li.querySelector('.how')),
      text(li.querySelector('.num')),
    ]);
    expect(fees).to.deep.equal([
      ['Input tokens', '1,234 input tokens at $2.50 per 1M input tokens', '$0.003085'],
      ['Output tokens', '567 output tokens at $10.00 per 1M output tokens', '$0.00567'],
    ]);
    expect(text(details.querySelector('.description'))).to.equal('Request 1 from the Chat completions API');
    // The fees add up to the row's amount, exactly.
    expect(cells(first)[2]).to.equal('$0.008755');
    await sendKeys({ press: ' ' });
    await waitUntil(() => toggle.getAttribute('aria-expanded') === 'false');
    expect(details.hidden).to.equal(true);
  });

  it('words a price in Spanish, its unit from the price’s volume field', async () => {
    const { el } = await mountPortal({ attrs: { sections: 'usage_history', locale: 'es' } });
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    const toggle = summaries(usage)[0]!.querySelector<HTMLButtonElement>('button.toggle')!;
    toggle.click();
    const details = usage.getElementById(toggle.getAttribute('aria-controls')!)!;
    await waitUntil(() => details.querySelector('.breakdown'));
    expect([...details.querySelectorAll('.breakdown li .how')].map(text)).to.deep.equal([
      '1234 input tokens a 2,50 US$ por 1 M input tokens',
      '567 output tokens a 10,00 US$ por 1 M output tokens',
    ]);
  });

  for (const [locale, expected] of [
    ['en', ['12 video seconds at $0.05 per video second', '3 image count at $1.25 per 1K image count']],
    ['es', ['12 video seconds a 0,05 US$ por video second', '3 image count a 1,25 US$ por 1 mil image count']],
  ] as const) {
    it(`takes a unit’s words from the volume field as it is, “_” and “-” as spaces, no plural made up (${locale})`, async () => {
      const { el, link } = await mountPortal({ attrs: { sections: 'usage_history', locale } });
      const usage = await section(el, 'credyt-portal-usage');
      await find(usage, 'tbody');
      await streamOpen(link);
      const fee = (id: string, amount: string, rate: { amount: string; per: string; unit: string }) => ({
        id,
        product: { code: 'video', name: 'Video generation' },
        price_name: id,
        fee_description: 'written by the BFF in English',
        rate,
        amount,
        asset: 'USD',
        fiat_amount: amount,
      });
      const fees = [
        fee('fee_seconds', '0.6', { amount: '0.05', per: '1', unit: 'video_seconds' }),
        fee('fee_images', '0.00375', { amount: '1.25', per: '1000', unit: 'image-count' }),
      ];
      await emitStreamEvent(link, 'usage.created', {
        id: 'evt_units',
        occurred_at: new Date().toISOString(),
        product: { code: 'video', name: 'Video generation' },
        subject: null,
        description: null,
        fee_description: fees.map((f) => f.fee_description).join(', '),
        amount: '0.60375',
        asset: 'USD',
        fiat_amount: '0.60375',
        fees,
        quantities: [
          { unit: 'video_seconds', quantity: '12' },
          { unit: 'image-count', quantity: '3' },
        ],
        totals: [{ asset: 'USD', amount: '0.60375', fiat_amount: '0.60375' }],
      });
      // Read before the page is read again (1.5 s after the push), which the fixture answers without this event.
      await waitUntil(() => text(summaries(usage)[0]).includes('12 video seconds'), 'the pushed event did not show');
      const toggle = summaries(usage)[0]!.querySelector<HTMLButtonElement>('button.toggle')!;
      toggle.click();
      const details = usage.getElementById(toggle.getAttribute('aria-controls')!)!;
      await waitUntil(() => details.querySelector('.breakdown'));
      expect([...details.querySelectorAll('.breakdown li .how')].map(text)).to.deep.equal(expected);
    });
  }

  it('in Arabic, a price in words and the platform’s description keep their own (left-to-right) order', async () => {
    const { el } = await mountPortal({ scenario: 'rtl', attrs: { sections: 'usage_history' } });
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    const toggle = summaries(usage)[0]!.querySelector<HTMLButtonElement>('button.toggle')!;
    toggle.click();
    await waitUntil(() => toggle.getAttribute('aria-expanded') === 'true');
    const details = usage.getElementById(toggle.getAttribute('aria-controls')!)!;
    const how = details.querySelector('.breakdown li .how bdi')!;
    expect(getComputedStyle(details).direction).to.equal('rtl');
    // Isolated, so "1,234 input tokens at $2.50 per 1M input tokens" is not reordered into the Arabic line.
    expect(how.matches(':dir(ltr)')).to.equal(true);
    const description = details.querySelector('.description')!;
    expect(description.querySelector('bdi')!.matches(':dir(ltr)')).to.equal(true);
    // …and aligned as the page reads: at the right, where the Arabic lines above it start.
    const range = document.createRange();
    range.selectNodeContents(description);
    const [line, box] = [range.getBoundingClientRect(), description.getBoundingClientRect()];
    expect(box.right - line.right, 'space at the right of the description').to.be.below(1);
    expect(line.left - box.left, 'space at the left of the description').to.be.above(20);
  });

  it('leaves out of the description what the row already says: the quantities', () => {
    const quantities = [
      { unit: 'input_tokens', quantity: '12864' },
      { unit: 'output_tokens', quantity: '1700' },
    ];
    expect(withoutQuantities('lumen-pro · 12,864 input / 1,700 output tokens', quantities)).to.equal('lumen-pro');
    expect(withoutQuantities('12.864 input / 1.700 output tokens', quantities)).to.equal(null);
    // A number that is no quantity, or one inside a name ("motion-2"), keeps its part.
    expect(withoutQuantities('lumen-pro · 12,864 input / 900 output tokens', quantities)).to.equal(
      'lumen-pro · 12,864 input / 900 output tokens',
    );
    expect(withoutQuantities('motion-2 · hd · 30s', [{ unit: 'seconds', quantity: '30' }])).to.equal('motion-2 · hd');
    expect(withoutQuantities('motion-2 · hd', [{ unit: 'seconds', quantity: '2' }])).to.equal('motion-2 · hd');
    expect(withoutQuantities('Request 1 from the API', [])).to.equal('Request 1 from the API');
  });

  it('never starts a wrapped line of an event’s details with the “·” between two of them', async () => {
    const { el, container: host } = await mountAt(320);
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    const metas = [...usage.querySelectorAll('tbody tr.summary .meta')].slice(0, 6);
    let wrapped = 0;
    for (let width = 200; width <= 420; width += 2) {
      host.style.width = `${width}px`;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      for (const meta of metas) {
        const starts = lineStarts(meta);
        if (starts.length > 1) wrapped += 1;
        expect(starts, `the lines of "${text(meta)}" at ${width} px`).to.not.include('·');
      }
    }
    expect(wrapped, 'lines that wrapped').to.be.above(50);
  });

  for (const locale of ['en', 'es', 'ar']) {
    it(`fits each pager button on one line at 320 px (${locale})`, async () => {
      const { el } = await mountAt(320, { locale });
      const usage = await section(el, 'credyt-portal-usage');
      const buttons = [...(await find(usage, '.pager')).querySelectorAll('button')];
      expect(buttons).to.have.length(2);
      for (const button of buttons) {
        const range = document.createRange();
        range.selectNodeContents(button);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        expect(lines.size, `"${text(button)}" takes ${lines.size} lines`).to.equal(1);
        expect(button.scrollWidth).to.be.at.most(button.clientWidth);
      }
    });
  }

  for (const locale of ['en', 'ar']) {
    it(`shows an event's value in dollars beside its title, the description under the date at full width, at 320 px (${locale})`, async () => {
      const { el } = await mountAt(320, { locale });
      const usage = await section(el, 'credyt-portal-usage');
      await find(usage, 'tbody');
      // An event charged in credits: the amount, and what that is in dollars.
      const row = summaries(usage).find((r) => r.querySelector('td.lead .fiat'))!;
      const cell = row.querySelectorAll('td')[1]!;
      const date = row.querySelector('time')!.getBoundingClientRect();
      const aside = cell.querySelector('.aside')!.getBoundingClientRect();
      const title = cell.querySelector('.toggle')!.getBoundingClientRect();
      expect(row.querySelector('td.lead .fiat')!.getBoundingClientRect().height, 'the lead keeps one line').to.equal(0);
      expect(aside.height, 'the value in dollars is shown').to.be.above(0);
      expect(Math.abs(aside.top + aside.height / 2 - (title.top + title.height / 2)), 'on the title’s line').to.be.below(4);
      // Only the date line's leading and the row gap between them (a second line of the amount's was 24 px).
      expect(cell.getBoundingClientRect().top - date.bottom, 'the gap under the date').to.be.within(-1, 8);
      expect(cell.getBoundingClientRect().width, 'the description’s width').to.be.at.least(row.getBoundingClientRect().width * 0.9);
      const box = row.getBoundingClientRect();
      expect(aside.left >= box.left - 0.5 && aside.right <= box.right + 0.5, 'inside the row').to.equal(true);
    });
  }

  it('keeps the value in dollars under the amount on a wide page', async () => {
    const { el } = await mountAt(1024, {});
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    const row = summaries(usage).find((r) => r.querySelector('td.lead .fiat'))!;
    expect(row.querySelector('td.lead .fiat')!.getBoundingClientRect().height).to.be.above(0);
    expect(row.querySelector('.aside')!.getBoundingClientRect().height).to.equal(0);
  });

  it('pages with the total: "1–25 of 30", then "26–30 of 30"', async () => {
    const { el } = await mountPortal({ attrs: { sections: 'usage_history' } });
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    const pager = usage.querySelector('.pager')!;
    await waitUntil(() => text(pager.querySelector('span')) === '1–25 of 30', `pager said "${text(pager.querySelector('span'))}"`);
    const [previous, next] = pager.querySelectorAll<HTMLButtonElement>('button');
    expect(previous!.disabled).to.equal(true);
    next!.click();
    await waitUntil(() => summaries(usage).length === 5);
    expect(text(pager.querySelector('span'))).to.equal('26–30 of 30');
    expect(next!.disabled).to.equal(true);
    previous!.click();
    await waitUntil(() => summaries(usage).length === 25);
  });

  it('says "10,000+" past what the API counts', () => {
    expect([roundDown(10_003), roundDown(2_345), roundDown(87)]).to.deep.equal([10_000, 2_000, 87]);
  });

  it('merges the fees of an event pushed live into one row', async () => {
    const { el, link } = await mountPortal({ attrs: { sections: 'usage_history' } });
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    await streamOpen(link);
    const fee = (id: string, amount: string) => ({
      id,
      product: { code: 'chat', name: 'Chat completions' },
      price_name: id,
      fee_description: '$2.50 per 1M input tokens',
      rate: null,
      amount,
      asset: 'USD',
      fiat_amount: amount,
    });
    const item = (f: ReturnType<typeof fee>) => ({
      id: 'evt_live',
      occurred_at: new Date().toISOString(),
      product: { code: 'chat', name: 'Chat completions' },
      subject: 'live-subject',
      description: null,
      fee_description: f.fee_description,
      amount: f.amount,
      asset: 'USD',
      fiat_amount: f.amount,
      fees: [f],
      quantities: [],
      totals: [{ asset: 'USD', amount: f.amount, fiat_amount: f.amount }],
    });
    await emitStreamEvent(link, 'usage.created', item(fee('in', '0.0000123')));
    await emitStreamEvent(link, 'usage.created', item(fee('out', '0.00567')));
    await waitUntil(() => cells(summaries(usage)[0]!)[2] === '$0.0056823', `first row: ${cells(summaries(usage)[0]!).join(' | ')}`);
    expect(cells(summaries(usage)[0]!)[1]).to.contain('live-subject');
    expect(summaries(usage).filter((r) => text(r).includes('live-subject'))).to.have.length(1);
  });

  it('renders a subject and description carrying markup as text, and runs nothing', async () => {
    const ran = { value: false };
    (window as unknown as { alert: () => void }).alert = () => (ran.value = true);
    const { el } = await mountPortal({ scenario: 'xss' });
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    const row = summaries(usage)[0]!;
    expect(row.querySelector('.meta')!.textContent).to.contain('<img src=x onerror=alert(1)>');
    row.querySelector<HTMLButtonElement>('button.toggle')!.click();
    await waitUntil(() => usage.querySelector('.description'));
    expect(usage.querySelector('.description')!.textContent).to.equal('<img src=x onerror=alert(1)>');
    expect(usage.querySelector('tbody img')).to.equal(null);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ran.value).to.equal(false);
  });

  for (const [width, locale] of [
    [320, 'en'],
    [320, 'ar'],
    [1280, 'en'],
  ] as const) {
    it(`keeps every amount inside the element at ${width} px (${locale}), date and amount on one line at 320`, async () => {
      const { el } = await mountAt(width, { locale });
      const usage = await section(el, 'credyt-portal-usage');
      await find(usage, 'tbody');
      // Open the first event: its fees must fit too.
      summaries(usage)[0]!.querySelector<HTMLButtonElement>('button.toggle')!.click();
      await waitUntil(() => usage.querySelector('tr.details:not([hidden]) .breakdown'));
      const box = el.getBoundingClientRect();
      const amounts = [...usage.querySelectorAll('td.lead, .breakdown .num')];
      expect(amounts.length).to.be.above(25);
      for (const amount of amounts) {
        const r = amount.getBoundingClientRect();
        expect(
          r.left >= box.left - 0.5 && r.right <= box.right + 0.5,
          `"${text(amount)}" at ${r.left}–${r.right} of ${box.left}–${box.right}`,
        ).to.equal(true);
      }
      const wrap = usage.querySelector('.table-wrap')!;
      expect(wrap.scrollWidth).to.be.at.most(wrap.clientWidth + 1);
      if (width === 320) {
        // Stacked: the date and the amount share the top line, the description sits below them.
        const row = summaries(usage)[3]!;
        const [date, what, amount] = [...row.querySelectorAll('td')].map((c) => c.getBoundingClientRect());
        expect(Math.abs(date!.top - amount!.top)).to.be.below(4);
        expect(what!.top).to.be.at.least(date!.bottom - 1);
      }
    });
  }
});
