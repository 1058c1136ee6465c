import { expect, waitUntil } from '@open-wc/testing';
import { LitElement, html } from 'lit';
import type { CredytBillingPortal } from './credyt-billing-portal.ts';
import { portalStyles } from './credyt-billing-portal.styles.ts';
import { sectionStyles } from './sections/section.styles.ts';
import { cleanup, find, mountPortal, root, section, type Scenario } from './test-support/portal.ts';

/**
 * The layout as a person sees it, at phone widths: the element keys on its own width (container queries), so
 * each test sets the width of the element's container, not the viewport's.
 */

/** Text that carries money: a figure with a currency sign or a unit. */
const MONEY = /\d.*(?:[$€£]|credit|token)|(?:[$€£]).*\d/i;

/** Every shadow root inside the element, the element's own first. */
function shadowRoots(el: Element): ShadowRoot[] {
  const roots: ShadowRoot[] = [];
  const visit = (node: ParentNode) => {
    for (const child of node.querySelectorAll('*')) {
      if (child.shadowRoot) {
        roots.push(child.shadowRoot);
        visit(child.shadowRoot);
      }
    }
  };
  roots.push(el.shadowRoot!);
  visit(el.shadowRoot!);
  return roots;
}

/** The parent in the flat tree: through a shadow root to its host. */
function parentOf(node: Node): Element | null {
  if (node.parentNode instanceof ShadowRoot) return node.parentNode.host;
  return node.parentElement;
}

/** Inside something meant for screen readers only, or a closed `<select>`: not drawn, on purpose. */
function offScreenByDesign(node: Node): boolean {
  for (let el = parentOf(node); el; el = parentOf(el)) {
    if (el.classList.contains('sr-only') || el.localName === 'select' || el.localName === 'option') return true;
  }
  return false;
}

/** The ancestors that clip what overflows them (scrolling boxes and `overflow: hidden`), inside the element. */
function clippers(node: Node, stop: Element): Element[] {
  const found: Element[] = [];
  for (let el = parentOf(node); el && el !== stop; el = parentOf(el)) {
    if (getComputedStyle(el).overflowX !== 'visible') found.push(el);
  }
  return found;
}

/** Where a section's name comes from, for messages: the nearest section element. */
function sectionOf(node: Node): string {
  for (let el = parentOf(node); el; el = parentOf(el)) if (el.localName.startsWith('credyt-portal-')) return el.localName;
  return 'credyt-billing-portal';
}

interface MoneyText {
  text: string;
  rect: DOMRect;
  node: Text;
}

function moneyTexts(el: Element): MoneyText[] {
  const found: MoneyText[] = [];
  for (const shadow of shadowRoots(el)) {
    const walker = document.createTreeWalker(shadow, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
      if (!MONEY.test(node.data) || offScreenByDesign(node)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const rect = range.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) continue; // in a closed tooltip or a collapsed row
      found.push({ text: node.data.trim(), rect, node });
    }
  }
  return found;
}

/** Mounts the portal in a container `width` px wide and waits until every section shown has its data. */
async function mountAt(
  width: number,
  scenario: Scenario = 'filled',
  sections?: string,
): Promise<{ el: CredytBillingPortal; host: HTMLElement }> {
  const host = document.createElement('div');
  host.style.width = `${width}px`;
  document.body.append(host);
  mounted.push(host);
  const { el } = await mountPortal({ scenario, container: host, attrs: sections ? { sections } : {} });
  await find(await section(el, 'credyt-portal-wallet'), '[part="balance"]');
  if (sections !== 'wallet') {
    await waitUntil(() => root(el).querySelectorAll('.sections > *').length > 1, 'the other sections never followed', {
      timeout: 8000,
    });
  }
  await waitUntil(() => shadowRoots(el).every((shadow) => !shadow.querySelector('[aria-busy="true"]')), 'a section kept loading', {
    timeout: 10000,
  });
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  return { el, host };
}

const mounted: HTMLElement[] = [];

/** A section-like element with the shared styles and both stacked-row patterns, for the patterns' own tests. */
class StackSample extends LitElement {
  static override styles = [sectionStyles];
  override render() {
    return html`<div class="card">
      <div class="table-wrap">
        <table class="stack">
          <thead>
            <tr>
              <th>Date</th>
              <th>Description</th>
              <th>Type</th>
              <th class="num">Amount</th>
              <th class="num">Balance after</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td class="date">Dec 2, 2025, 5:54 PM</td>
              <td class="desc">Image generation: Hero banner for the autumn campaign, 4 variants</td>
              <td>Usage</td>
              <td class="num lead">-479 image credits</td>
              <td class="num" data-label="Balance after">$1,234,567.89</td>
            </tr>
          </tbody>
        </table>
      </div>
      <ul class="rows">
        <li>
          <div class="rows-top"><span class="rows-date">Dec 2, 2025</span><span class="rows-amount num">-$12,345.67</span></div>
          <div class="rows-desc">A description long enough to wrap onto a second line at a phone's width</div>
          <div class="rows-meta">Usage · balance after $65.96</div>
        </li>
      </ul>
    </div>`;
  }
}
customElements.define('credyt-stack-sample', StackSample);

/** The sample inside a box that is the size container, as the portal's root is, `width` px wide. */
async function stackSample(width: number): Promise<ShadowRoot> {
  const host = document.createElement('div');
  host.style.width = `${width}px`;
  const shell = host.attachShadow({ mode: 'open' });
  shell.adoptedStyleSheets = [portalStyles.styleSheet!];
  shell.innerHTML = '<section class="portal"><credyt-stack-sample></credyt-stack-sample></section>';
  // The host of the styles is the element: here the div plays it (`:host` rules apply to it).
  document.body.append(host);
  mounted.push(host);
  const sample = shell.querySelector<StackSample>('credyt-stack-sample')!;
  await sample.updateComplete;
  return sample.shadowRoot!;
}

describe('layout at phone widths', () => {
  afterEach(() => {
    cleanup();
    for (const host of mounted.splice(0)) host.remove();
  });

  for (const scenario of ['filled', 'rtl'] as const) {
    for (const width of [320, 390]) {
      it(`keeps every amount inside the element at ${width} px, with no sideways scroll (${scenario === 'rtl' ? 'Arabic' : 'English'})`, async () => {
        const { el } = await mountAt(width, scenario);
        const box = el.getBoundingClientRect();
        expect(Math.round(box.width)).to.equal(width);

        const amounts = moneyTexts(el);
        expect(amounts.length, 'amounts on the page').to.be.above(10);
        const outside = amounts.filter(({ rect }) => rect.left < box.left - 0.5 || rect.right > box.right + 0.5);
        expect(
          outside.map(({ text, node }) => `${sectionOf(node)}: "${text}"`),
          'amounts outside the element',
        ).to.deep.equal([]);
        // Nor cut off by a box inside it (a table that scrolls sideways hides its last columns).
        const clipped = amounts.filter(({ rect, node }) =>
          clippers(node, el).some((clip) => {
            const r = clip.getBoundingClientRect();
            return rect.left < r.left - 0.5 || rect.right > r.right + 0.5;
          }),
        );
        expect(
          clipped.map(({ text, node }) => `${sectionOf(node)}: "${text}"`),
          'amounts clipped inside the element',
        ).to.deep.equal([]);

        expect(el.scrollWidth, 'the element scrolls sideways').to.be.at.most(el.clientWidth);
        const scrolling = shadowRoots(el)
          .flatMap((shadow) => [...shadow.querySelectorAll('*')])
          // Visually hidden on purpose (1 px boxes for screen readers) is not a scroll a person meets.
          .filter(
            (node) => node.clientWidth > 1 && node.clientHeight > 1 && !node.classList.contains('sr-only') && !offScreenByDesign(node),
          )
          .filter((node) => node.scrollWidth > node.clientWidth + 1 && getComputedStyle(node).overflowX !== 'visible')
          .map((node) => `${sectionOf(node)}: ${node.localName}.${[...node.classList].join('.')}`);
        expect(scrolling, 'boxes that scroll sideways').to.deep.equal([]);
      });
    }
  }

  it('turns a table.stack into stacked rows below 600 px: date and amount on top, the rest below, nothing cut off', async () => {
    const narrow = await stackSample(320);
    const cell = (name: string) => narrow.querySelector(`td.${name}`)!.getBoundingClientRect();
    const row = narrow.querySelector('tbody tr')!.getBoundingClientRect();
    expect(Math.abs(cell('date').top - cell('lead').top)).to.be.below(2);
    expect(cell('lead').right).to.be.closeTo(row.right, 1);
    expect(cell('desc').top).to.be.at.least(cell('date').bottom - 1);
    expect(cell('desc').left).to.be.closeTo(row.left, 1);
    const wrap = narrow.querySelector('.table-wrap')!;
    expect(wrap.scrollWidth).to.be.at.most(wrap.clientWidth);
    for (const td of narrow.querySelectorAll('td')) expect(td.getBoundingClientRect().right).to.be.at.most(row.right + 0.5);
    // The column's name comes with a cell that asks for it; the header row is for screen readers only.
    expect(getComputedStyle(narrow.querySelector('td[data-label]')!, '::before').content).to.equal('"Balance after: "');
    expect(narrow.querySelector('thead')!.getBoundingClientRect().height).to.be.at.most(1);
    // The card's padding is one level, 12 px, on a phone; 16 px on a wide page, where the table is a table again.
    expect(getComputedStyle(narrow.querySelector('.card')!).paddingLeft).to.equal('12px');
    const wide = await stackSample(900);
    expect(getComputedStyle(wide.querySelector('.card')!).paddingLeft).to.equal('16px');
    expect(getComputedStyle(wide.querySelector('tbody tr')!).display).to.equal('table-row');
    // `.rows`: date and amount share the top line at any width.
    const top = narrow.querySelector('.rows-top')!;
    const date = top.querySelector('.rows-date')!.getBoundingClientRect();
    const amount = top.querySelector('.rows-amount')!.getBoundingClientRect();
    expect(Math.abs(date.top - amount.top)).to.be.below(4);
    expect(amount.right).to.be.closeTo(top.getBoundingClientRect().right, 1);
  });

  it('has one level of padding on a phone: the cards reach the element’s edges', async () => {
    const { el } = await mountAt(320, 'filled', 'wallet');
    const wallet = await section(el, 'credyt-portal-wallet');
    const card = wallet.querySelector('.stat')!.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    expect(card.left).to.equal(box.left);
    expect(card.right).to.equal(box.right);
    // At 320 px the content of a card is at least 280 px wide.
    const figure = wallet.querySelector('.stat .amount')!.getBoundingClientRect();
    expect(figure.width).to.be.at.least(280);
  });

  it('gives every button and link of the shell and the wallet a target of 24 × 24 px at least', async () => {
    const targets = (scope: ParentNode) =>
      [...scope.querySelectorAll<HTMLElement>('a[href], button, input, select, [tabindex]:not([tabindex="-1"])')].filter(
        (node) => node.getBoundingClientRect().width > 0,
      );
    const small = (nodes: HTMLElement[]) =>
      nodes
        .map((node) => ({ node, rect: node.getBoundingClientRect() }))
        .filter(({ rect }) => rect.width < 24 || rect.height < 24)
        .map(({ node, rect }) => `${node.localName} "${node.textContent?.trim()}" ${rect.width}×${rect.height}`);

    // The footer's links; the wallet's Retry after a failure; the expired state's way back.
    const { el } = await mountAt(320, 'filled', 'wallet');
    const shell = targets(root(el));
    expect(shell.length, 'the footer links').to.be.at.least(2);
    expect(small(shell)).to.deep.equal([]);
    expect(small(targets(await section(el, 'credyt-portal-wallet')))).to.deep.equal([]);

    const failing = await mountPortal({ scenario: 'failing', attrs: { sections: 'wallet' } });
    const wallet = await section(failing.el, 'credyt-portal-wallet');
    await find(wallet, '[role="alert"] button');
    expect(targets(wallet).length).to.be.at.least(1);
    expect(small(targets(wallet))).to.deep.equal([]);

    const expiring = await mountPortal({ scenario: 'expiring', attrs: { sections: 'wallet' } });
    await find(root(expiring.el), '.state a[href]');
    expect(small(targets(root(expiring.el)))).to.deep.equal([]);
  });
});
