import { expect } from '@open-wc/testing';
import type { CSSResultGroup } from 'lit';
import { cleanup, find, mountPortal, section } from '../test-support/portal.ts';
import { LAZY_TAGS } from './lazy.ts';
import { WalletSection } from './wallet.ts';

function cssTexts(styles: CSSResultGroup | undefined): string[] {
  if (!styles) return [];
  if (Array.isArray(styles)) return styles.flatMap((s: CSSResultGroup) => cssTexts(s));
  return 'cssText' in styles ? [styles.cssText] : [];
}

/*
 * The public tokens are read once, on the root's `.portal` (with their defaults and the dark theme's), into the
 * private `--_*` ones every section inherits. A section that mapped them again on its own `:host` would reset the
 * dark theme, which only the root can see (its `theme` attribute), to the light defaults.
 */
describe('the sections’ tokens', () => {
  afterEach(cleanup);

  it('no section’s styles read a public --credyt-* property: only the private --_* ones', () => {
    const sections = { 'credyt-portal-wallet': WalletSection, ...LAZY_TAGS };
    for (const [tag, element] of Object.entries(sections)) {
      const css = cssTexts(element.styles).join('\n');
      expect(css, tag).to.contain('var(--_');
      expect(css.match(/--credyt-[\w-]+/g) ?? [], tag).to.deep.equal([]);
    }
  });

  it('a page restyling --credyt-* reaches a section, over either theme', async () => {
    const { el } = await mountPortal({ attrs: { sections: 'usage_history', theme: 'dark' } });
    const usage = await section(el, 'credyt-portal-usage');
    const card = await find(usage, '.card');
    expect(getComputedStyle(card).backgroundColor, 'the dark surface').to.equal('rgb(30, 41, 59)');
    el.style.setProperty('--credyt-color-surface', 'rgb(1, 2, 3)');
    el.style.setProperty('--credyt-radius', '3px');
    expect(getComputedStyle(card).backgroundColor).to.equal('rgb(1, 2, 3)');
    expect(getComputedStyle(card).borderTopLeftRadius).to.equal('3px');
    el.setAttribute('theme', 'light');
    expect(getComputedStyle(card).backgroundColor, 'the page’s surface in the light theme').to.equal('rgb(1, 2, 3)');
    el.style.removeProperty('--credyt-color-surface');
    expect(getComputedStyle(card).backgroundColor, 'the light surface').to.equal('rgb(248, 250, 252)');
  });
});
