import { expect, waitUntil } from '@open-wc/testing';
import 'axe-core/axe.min.js';
import type { AxeResults, RunOptions } from 'axe-core';
import { cleanup, find, mountPortal, root, section, type Scenario } from './test-support/portal.ts';
import type { CredytBillingPortal } from './credyt-billing-portal.ts';

/** axe-core's UMD build puts `axe` on window. */
const axe = (window as unknown as { axe: { run: (context: Element, options: RunOptions) => Promise<AxeResults> } }).axe;

/** WCAG 2.2 A and AA, target size (2.5.8, 24 px) included, plus axe's best practices. */
export const WCAG22_AA: RunOptions['runOnly'] = {
  type: 'tag',
  values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
};

async function audit(el: CredytBillingPortal): Promise<void> {
  const results = await axe.run(el, { runOnly: WCAG22_AA, resultTypes: ['violations', 'passes'] });
  const summary = results.violations.map(
    (v) => `${v.id}: ${v.help}\n  ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join('\n  ')}`,
  );
  expect(summary, summary.join('\n')).to.deep.equal([]);
  // Proof that axe looked inside the shadow roots: it checked contrast of the sections' text.
  expect(results.passes.map((rule) => rule.id)).to.include('color-contrast');
}

/** Waits until every section has left its loading state. */
async function settled(el: CredytBillingPortal): Promise<void> {
  await section(el, 'credyt-portal-wallet');
  await waitUntil(
    () => [...root(el).querySelectorAll('.sections > *')].every((s) => s.shadowRoot && !s.shadowRoot.querySelector('[aria-busy="true"]')),
    'sections kept loading',
    { timeout: 8000 },
  );
}

describe('accessibility (axe-core)', () => {
  afterEach(cleanup);

  it('has no violations while loading', async () => {
    const { el } = await mountPortal({ scenario: 'slow' });
    const wallet = await section(el, 'credyt-portal-wallet');
    await find(wallet, '[aria-busy="true"]');
    await audit(el);
  });

  for (const [state, scenario, attrs] of [
    ['filled', 'filled', {}],
    ['empty', 'empty', {}],
    ['error', 'failing', {}],
    ['dark', 'filled', { theme: 'dark' }],
    ['right-to-left', 'rtl', {}],
    ['dark, right-to-left', 'rtl', { theme: 'dark' }],
  ] as Array<[string, Scenario, Record<string, string>]>) {
    it(`has no violations: ${state}`, async () => {
      const { el } = await mountPortal({ scenario, attrs });
      await settled(el);
      await audit(el);
    });
  }

  it('has no violations in the expired state', async () => {
    const { el } = await mountPortal({ scenario: 'expiring' });
    await find(root(el), '.state h3');
    await audit(el);
  });

  it('has no violations on the return from Stripe (payment received, card saved) and with field errors', async () => {
    const original = location.href;
    history.replaceState(null, '', '?credyt_top_up=success&top_up_id=top_paid&credyt_card=saved');
    try {
      const { el } = await mountPortal();
      await settled(el);
      const banner = await section(el, 'credyt-portal-checkout-return');
      await find(banner, '[role="status"] a'); // the receipt link
      const auto = await section(el, 'credyt-portal-auto-top-up');
      await find(auto, '[role="status"]');
      const amount = await find<HTMLInputElement>(auto, 'input[name="amount"]');
      amount.value = '0';
      amount.dispatchEvent(new Event('input'));
      amount.dispatchEvent(new Event('blur'));
      await find(auto, '.field-error');
      await audit(el);
    } finally {
      history.replaceState(null, '', original);
    }
  });

  it('has no violations with the spend table shown and usage rows open', async () => {
    const { el } = await mountPortal();
    await settled(el);
    const spend = await section(el, 'credyt-portal-spend');
    (await find<HTMLButtonElement>(spend, '.table-toggle')).click();
    const usage = await section(el, 'credyt-portal-usage');
    (await find<HTMLButtonElement>(usage, 'button.toggle')).click();
    const transactions = await section(el, 'credyt-portal-transactions');
    (await find<HTMLButtonElement>(transactions, 'button.toggle')).click();
    await find(transactions, 'tr.details:not([hidden]) .breakdown');
    await audit(el);
  });
});
