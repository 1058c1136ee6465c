import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { cleanup, find, fixtureLog, mountPortal, root, section } from './test-support/portal.ts';

/** The focused element, through every shadow root. */
function deepActive(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

function describeFocus(element: Element | null): string {
  if (!element) return '';
  const host = (element.getRootNode() as ShadowRoot).host?.localName ?? '';
  const name = element.getAttribute('name') ?? element.getAttribute('aria-label') ?? element.textContent?.trim() ?? '';
  return `${host} ${element.localName} ${name}`.replace(/\s+/g, ' ');
}

function insidePortal(element: Element, portal: Element): boolean {
  let node: Node | undefined = element;
  while (node) {
    if (node === portal) return true;
    node = (node.getRootNode() as ShadowRoot).host;
  }
  return false;
}

async function tabUntil(match: (element: Element) => boolean, limit = 120, backwards = false): Promise<Element> {
  if (backwards) await sendKeys({ down: 'Shift' });
  try {
    for (let i = 0; i < limit; i += 1) {
      await sendKeys({ press: 'Tab' });
      const active = deepActive();
      if (active && match(active)) return active;
    }
  } finally {
    if (backwards) await sendKeys({ up: 'Shift' });
  }
  throw new Error('never reached the element by Tab');
}

/** Waits until the fixture saw a transactions request whose query matches. */
async function requested(link: string, match: (query: string) => boolean, message: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { requests } = await fixtureLog(link);
    if (requests.some((r) => r.path === '/portal/api/transactions' && match(r.query))) return;
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const inTransactions = (e: Element) => (e.getRootNode() as ShadowRoot).host?.localName === 'credyt-portal-transactions';

describe('keyboard only', () => {
  afterEach(cleanup);

  it('reaches every control of every section with Tab, in order', async () => {
    const start = document.createElement('button');
    start.textContent = 'before';
    document.body.prepend(start);
    try {
      const { el } = await mountPortal();
      const transactions = await section(el, 'credyt-portal-transactions');
      await find(transactions, 'tbody');
      await find(await section(el, 'credyt-portal-auto-top-up'), '.settings');
      start.focus();
      const visited: string[] = [];
      for (let i = 0; i < 200; i += 1) {
        await sendKeys({ press: 'Tab' });
        const active = deepActive();
        if (!active || !insidePortal(active, el)) break;
        visited.push(describeFocus(active));
      }
      const hosts = [...new Set(visited.map((v) => v.split(' ')[0]))];
      expect(hosts).to.deep.equal([
        'credyt-portal-top-up',
        'credyt-portal-auto-top-up',
        'credyt-portal-spend',
        'credyt-portal-usage',
        'credyt-portal-transactions',
        'credyt-billing-portal',
      ]);
      // A usage row is one tab stop: its toggle (no "i" buttons in between).
      expect(visited.some((v) => v.includes('credyt-portal-usage button Chat completions'))).to.equal(true);
      expect(visited.filter((v) => v.startsWith('credyt-portal-usage button')).length).to.be.at.most(25 + 2);
      expect(visited.some((v) => v.includes('select category'))).to.equal(true);
      expect(visited.some((v) => v.includes('a Download CSV'))).to.equal(true);
    } finally {
      start.remove();
    }
  });

  it('operates the transaction filters and opens a usage row from the keyboard', async () => {
    const { el, link } = await mountPortal({ attrs: { sections: 'usage_history,transactions' } });
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    const transactions = await section(el, 'credyt-portal-transactions');
    await find(transactions, 'tbody');
    root(el).querySelector('h2')!.setAttribute('tabindex', '-1');
    root(el).querySelector<HTMLElement>('h2')!.focus();

    const toggle = await tabUntil((e) => e.classList.contains('toggle'));
    const details = usage.getElementById(toggle.getAttribute('aria-controls')!)!;
    expect(details.hidden).to.equal(true);
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => toggle.getAttribute('aria-expanded') === 'true' && !details.hidden);

    const next = await tabUntil((e) => inTransactions(e) && e.textContent?.trim() === 'Next page');
    await sendKeys({ press: 'Enter' });
    await requested(link, (query) => query.includes('cursor=c20'), 'Next page did not load');

    const category = (await tabUntil((e) => e.getAttribute('name') === 'category', 120, true)) as HTMLSelectElement;
    await sendKeys({ type: 'Top' });
    await waitUntil(() => category.value === 'top_up');
    await requested(link, (query) => query.includes('category=top_up'), 'the filter did not apply');
    expect(next.localName).to.equal('button');
  });
});
