/**
 * The element inside another framework's page: mounted by Vue's runtime (render functions, no template compiler),
 * with attributes and properties bound reactively, events listened to the Vue way, and unmount/remount.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { createApp, h, nextTick, ref, type App } from 'vue/dist/vue.runtime.esm-browser.prod.js';
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

describe('mounted by Vue', () => {
  let app: App | null = null;
  const host = frameworkHost(() => {
    app?.unmount();
    app = null;
  });

  it('takes bound attributes and properties, reacts to changes and reports events to Vue listeners', async () => {
    const sections = ref('wallet');
    const theme = ref<'light' | 'dark'>('light');
    const ready: unknown[] = [];
    const started: TopUpStartedDetail[] = [];
    const token = linkToken('filled');
    app = createApp({
      render: () =>
        h('credyt-billing-portal', {
          'api-base': '',
          token,
          sections: sections.value,
          theme: theme.value,
          fetchToken: async () => linkToken('filled'),
          onCredytReady: (event: CustomEvent) => ready.push(event.detail),
          onCredytTopUpStarted: (event: CustomEvent<TopUpStartedDetail>) => {
            started.push(event.detail);
            event.preventDefault();
          },
        }),
    });
    app.mount(host.el);
    const el = portalIn(host.el)!;
    await waitUntil(() => ready.length === 1, 'credyt-ready did not reach the Vue listener');
    expect(el.token).to.equal(token);
    expect(typeof el.fetchToken).to.equal('function');
    expect(shown(el)).to.deep.equal(['credyt-portal-wallet']);
    const wallet = await section(el, 'credyt-portal-wallet');
    expect(text(await find(wallet, '[part="balance"]'))).to.contain('$42.50');

    sections.value = 'wallet, top_up';
    theme.value = 'dark';
    await nextTick();
    await checkRerenderedAndTopUp(el, started, 'Vue');
    // Vue re-rendered the element in place: it was not replaced, so the session was not opened twice.
    expect(portalIn(host.el)).to.equal(el);
    expect(ready).to.have.length(1);
  });

  it('unmounts cleanly and works again when Vue mounts it anew (v-if and a new app)', async () => {
    const visible = ref(true);
    const ready: number[] = [];
    const make = () => {
      const token = linkToken('filled');
      return () => (visible.value ? h('credyt-billing-portal', { token, onCredytReady: () => ready.push(Date.now()) }) : h('p', 'hidden'));
    };
    let render = make();
    app = createApp({ render: () => render() });
    app.mount(host.el);
    await waitUntil(() => ready.length === 1);
    const first = portalIn(host.el)!;

    visible.value = false;
    await nextTick();
    expect(portalIn(host.el)).to.equal(null);
    expect(first.isConnected).to.equal(false);
    expect((first as unknown as { stream?: { state: string } }).stream?.state).to.equal('closed');

    render = make(); // a fresh link: a link signs in once
    visible.value = true;
    await nextTick();
    await waitUntil(() => ready.length === 2, 'the remounted element did not sign in');
    const second = portalIn(host.el)!;
    expect(second).to.not.equal(first);
    await find(await section(second, 'credyt-portal-wallet'), '[part="balance"]');

    app.unmount();
    app = createApp({ render: make() });
    app.mount(host.el);
    await waitUntil(() => ready.length === 3, 'a new app did not mount a working element');
    await find(await section(portalIn(host.el)!, 'credyt-portal-wallet'), '[part="balance"]');
  });
});
