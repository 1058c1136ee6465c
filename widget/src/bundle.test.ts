/**
 * The production bundle (`pnpm build` → dist/), loaded the way a platform's page loads it: one script tag, in a
 * page of its own (an iframe). Proves the minified build runs (decorators, contexts) and that the lazy Chart.js
 * chunk is fetched relative to the module's URL.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { linkToken } from './test-support/portal.ts';

const BUNDLE = '/widget/dist/credyt-billing-portal.js';

describe('the built bundle', () => {
  let frame: HTMLIFrameElement | undefined;
  afterEach(() => frame?.remove());

  it('renders the portal and lazily loads the chart chunk next to it', async function () {
    // The built bundle is what platforms load: a missing build is a failure, not a reason to skip.
    expect((await fetch(BUNDLE, { method: 'HEAD' })).ok, 'run `pnpm build` first (root `pnpm test` does)').to.equal(true);
    this.timeout(20000);
    frame = document.createElement('iframe');
    frame.style.cssText = 'width: 1000px; height: 800px';
    frame.srcdoc = `<!doctype html><html><body>
      <script type="module" src="${BUNDLE}"></script>
      <credyt-billing-portal api-base="${location.origin}" token="${linkToken('filled')}"></credyt-billing-portal>
    </body></html>`;
    document.body.append(frame);
    const deep = (selector: string) => {
      const portal = frame!.contentDocument?.querySelector('credyt-billing-portal');
      const spend = portal?.shadowRoot?.querySelector('credyt-portal-spend');
      return spend?.shadowRoot?.querySelector(selector) ?? null;
    };
    await waitUntil(() => deep('canvas[data-drawn]'), 'the chart was never drawn', { timeout: 15000 });
    const scripts = frame.contentWindow!.performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname);
    expect(scripts.some((path) => /^\/widget\/dist\/spend-chart-[\w-]+\.js$/.test(path))).to.equal(true);
  });
});
