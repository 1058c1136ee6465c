/**
 * The element inside a React 19 page: React sets what the element defines as properties (fetchToken, token), the
 * rest as attributes, and `on<event-name>` props as listeners for the element's own events.
 */
import { expect, waitUntil } from '@open-wc/testing';
import type { Root } from 'react-dom/client';
// React and ReactDOM (CommonJS) bundled to an ES module by the test server: see web-test-runner.config.mjs.
import { React, ReactDOM, createRoot } from 'react-bundle';
import type { TopUpStartedDetail } from './events.ts';
import {
  checkRerenderedAndTopUp,
  find,
  frameworkHost,
  linkToken,
  portalIn,
  section,
  shownSections as shown,
  text,
} from './test-support/portal.ts';

describe('mounted by React', () => {
  let reactRoot: Root | null = null;
  const host = frameworkHost(() => {
    reactRoot?.unmount();
    reactRoot = null;
  });

  it('takes props and attributes, re-renders in place, and reports events to React props', async () => {
    const ready: unknown[] = [];
    const started: TopUpStartedDetail[] = [];
    const token = linkToken('filled');
    const fetchToken = async () => linkToken('filled');
    const render = (sections: string, theme: string) =>
      ReactDOM.flushSync(() =>
        reactRoot!.render(
          React.createElement(
            React.StrictMode,
            null,
            React.createElement('credyt-billing-portal', {
              'api-base': '',
              token,
              sections,
              theme,
              fetchToken,
              'oncredyt-ready': (event: CustomEvent) => ready.push(event.detail),
              'oncredyt-top-up-started': (event: CustomEvent<TopUpStartedDetail>) => {
                started.push(event.detail);
                event.preventDefault();
              },
            }),
          ),
        ),
      );
    reactRoot = createRoot(host.el);
    render('wallet', 'light');
    const el = portalIn(host.el)!;
    await waitUntil(() => ready.length === 1, 'credyt-ready did not reach the React prop');
    expect(el.fetchToken).to.equal(fetchToken);
    expect(shown(el)).to.deep.equal(['credyt-portal-wallet']);
    expect(text(await find(await section(el, 'credyt-portal-wallet'), '[part="balance"]'))).to.contain('$42.50');

    render('wallet, top_up', 'dark');
    await checkRerenderedAndTopUp(el, started, 'React');
    // React updated the element in place (StrictMode included): one element, one session.
    expect(portalIn(host.el)).to.equal(el);
    expect(ready).to.have.length(1);

    reactRoot!.unmount();
    reactRoot = null;
    expect(el.isConnected).to.equal(false);
    expect((el as unknown as { stream?: { state: string } }).stream?.state).to.equal('closed');
  });
});
