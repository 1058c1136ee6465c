import { expect, waitUntil } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import { cleanup, find, fixtureLog, linkToken, mountPortal, root, section, text } from './test-support/portal.ts';
import { defineElements } from './define.ts';
import { CredytBillingPortal } from './credyt-billing-portal.ts';

describe('<credyt-billing-portal>', () => {
  afterEach(cleanup);

  describe('session', () => {
    it('exchanges the link token once, loads the session and fires credyt-ready', async () => {
      let detail: unknown;
      const { el, link } = await mountPortal({
        setup: (el) => el.addEventListener('credyt-ready', (event) => (detail = event.detail)),
      });
      expect((detail as { session: { customer: { name: string } } }).session.customer.name).to.equal('Ada Lovelace');
      expect(text(root(el).querySelector('h2'))).to.equal('Acme AI billing');
      const log = await fixtureLog(link);
      expect(log.requests.filter((r) => r.path === '/portal/api/session')).to.have.length(1);
    });

    it('sends the link exchange as a CORS simple request: text/plain, no header that would need a preflight', async () => {
      const sent: Headers[] = [];
      const original = window.fetch;
      window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
        if (String(input instanceof Request ? input.url : input).endsWith('/portal/api/session') && init?.method === 'POST') {
          sent.push(new Headers(init.headers));
        }
        return original(input, init);
      };
      try {
        await mountPortal();
      } finally {
        window.fetch = original;
      }
      expect(sent).to.have.length(1);
      // The CORS-safelisted request headers (Fetch standard): anything else makes a cross-origin BFF preflight first.
      const safelisted = new Set(['accept', 'accept-language', 'content-language', 'content-type']);
      expect([...sent[0]!.keys()].filter((name) => !safelisted.has(name))).to.deep.equal([]);
      expect(sent[0]!.get('content-type')).to.match(/^text\/plain/);
    });

    it('uses the hosted page’s cookie when there is no token', async () => {
      document.cookie = `credyt_portal=${linkToken('filled')}; path=/`;
      try {
        const el = document.createElement('credyt-billing-portal');
        const ready = new Promise((resolve) => el.addEventListener('credyt-ready', resolve, { once: true }));
        document.body.append(el);
        await ready;
        const wallet = await section(el, 'credyt-portal-wallet');
        await find(wallet, '[part="balance"]');
        el.remove();
      } finally {
        document.cookie = 'credyt_portal=; path=/; max-age=0';
      }
    });

    it('on expiry fires credyt-session-expired, asks fetchToken for a fresh link and carries on', async () => {
      const expired: boolean[] = [];
      let asked = 0;
      const { el } = await mountPortal({
        scenario: 'expiring',
        setup: (el) => {
          el.addEventListener('credyt-session-expired', (event) => expired.push(event.detail.renewing));
          el.fetchToken = async () => {
            asked += 1;
            return linkToken('filled');
          };
        },
      });
      const wallet = await section(el, 'credyt-portal-wallet');
      await find(wallet, '[part="balance"]');
      expect(asked).to.equal(1);
      expect(expired).to.deep.equal([true]);
      expect(text(wallet.querySelector('[part="balance"]'))).to.contain('$42.50');
    });

    it('without fetchToken shows the expired state with the way back', async () => {
      const events: boolean[] = [];
      const { el } = await mountPortal({
        scenario: 'expiring',
        setup: (el) => el.addEventListener('credyt-session-expired', (event) => events.push(event.detail.renewing)),
      });
      const back = await find<HTMLAnchorElement>(root(el), '.state a');
      expect(events).to.deep.equal([false]);
      expect(text(root(el).querySelector('.state h3'))).to.equal('Your billing session has ended');
      expect(back.href).to.equal('https://acme.example/account');
      expect(text(back)).to.equal('Back to Acme AI');
    });

    it('treats a link that was already used as an expired session', async () => {
      const expired: unknown[] = [];
      const { el } = await mountPortal({
        scenario: 'used',
        ready: false,
        setup: (el) => el.addEventListener('credyt-session-expired', (event) => expired.push(event.detail)),
      });
      await find(root(el), '.state h3');
      expect(expired).to.have.length(1);
    });

    it('reports failures with credyt-error and offers Retry', async () => {
      const problems: Array<{ status: number }> = [];
      const { el } = await mountPortal({
        scenario: 'failing',
        setup: (el) => el.addEventListener('credyt-error', (event) => problems.push(event.detail)),
      });
      const wallet = await section(el, 'credyt-portal-wallet');
      const error = await find(wallet, '[role="alert"]');
      expect(text(error)).to.contain('Something broke on our side.');
      expect(error.querySelector('button')!.textContent).to.contain('Retry');
      await waitUntil(() => problems.length >= 1);
      expect(problems[0]!.status).to.equal(500);
    });
  });

  describe('sections', () => {
    const shown = (el: CredytBillingPortal) => [...root(el).querySelectorAll('.sections > *')].map((node) => node.localName);

    it('shows every section by default, the balances first and the rest once they painted', async () => {
      const { el } = await mountPortal();
      expect(shown(el)).to.deep.equal(['credyt-portal-wallet']);
      await waitUntil(() => shown(el).length > 1, 'the other sections never followed');
      const wallet = await section(el, 'credyt-portal-wallet');
      expect(wallet.querySelector('[part="balance"]')).to.not.equal(null);
      expect(shown(el)).to.deep.equal([
        'credyt-portal-wallet',
        'credyt-portal-top-up',
        'credyt-portal-auto-top-up',
        'credyt-portal-spend',
        'credyt-portal-usage',
        'credyt-portal-transactions',
      ]);
    });

    it('shows only the sections the attribute lists', async () => {
      const { el } = await mountPortal({ attrs: { sections: 'wallet, transactions' } });
      await waitUntil(() => shown(el).length > 1);
      expect(shown(el)).to.deep.equal(['credyt-portal-wallet', 'credyt-portal-transactions']);
    });

    it('hides the sections the platform turned off', async () => {
      const { el } = await mountPortal({ scenario: 'limited' });
      await waitUntil(() => shown(el).length > 1);
      expect(shown(el)).to.not.include('credyt-portal-spend').and.not.include('credyt-portal-auto-top-up');
      expect(shown(el)).to.include('credyt-portal-top-up');
    });
  });

  describe('locale and theme', () => {
    it('takes the locale attribute first', async () => {
      const { el } = await mountPortal({ attrs: { locale: 'es-ES' } });
      const wallet = await section(el, 'credyt-portal-wallet');
      await find(wallet, '[part="balance"]');
      expect(text(wallet.querySelector('h3'))).to.equal('Saldos');
      expect(text(wallet.querySelector('[part="balance"]'))).to.contain('42,50');
      expect(el.getAttribute('dir')).to.equal('ltr');
    });

    it('then the session’s locale, right to left for Arabic', async () => {
      const { el } = await mountPortal({ scenario: 'rtl' });
      const portal = root(el).querySelector('.portal')!;
      expect(portal.getAttribute('dir')).to.equal('rtl');
      expect(el.getAttribute('dir')).to.equal('rtl');
      expect(el.getAttribute('lang')).to.equal('ar');
      expect(getComputedStyle(portal).direction).to.equal('rtl');
      const wallet = await section(el, 'credyt-portal-wallet');
      expect(text(wallet.querySelector('h3'))).to.equal('الأرصدة');
    });

    it('switches to the dark palette with theme="dark"', async () => {
      const { el } = await mountPortal({ attrs: { theme: 'dark' } });
      const portal = root(el).querySelector('.portal')!;
      expect(getComputedStyle(portal).backgroundColor).to.equal('rgb(15, 23, 42)');
    });

    it('follows the system with theme="auto"', async () => {
      const { el } = await mountPortal({ attrs: { theme: 'auto' } });
      const portal = root(el).querySelector('.portal')!;
      try {
        await emulateMedia({ colorScheme: 'dark' });
        expect(getComputedStyle(portal).backgroundColor).to.equal('rgb(15, 23, 42)');
        await emulateMedia({ colorScheme: 'light' });
        expect(getComputedStyle(portal).backgroundColor).to.equal('rgb(255, 255, 255)');
      } finally {
        await emulateMedia({ colorScheme: 'no-preference' });
      }
    });

    it('applies the platform’s brand colour, which the page’s --credyt-color-primary overrides', async () => {
      const { el } = await mountPortal();
      const portal = root(el).querySelector('.portal')!;
      expect(getComputedStyle(portal).getPropertyValue('--_primary').trim()).to.equal('#0f766e');
      el.style.setProperty('--credyt-color-primary', 'rgb(200, 0, 0)');
      expect(getComputedStyle(portal).getPropertyValue('--_primary').trim()).to.equal('rgb(200, 0, 0)');
    });

    it('brands without inline style attributes (strict CSP), and the page’s stylesheet still wins', async () => {
      const { el } = await mountPortal();
      // A strict `style-src` blocks style attributes in markup; the CSSOM (`style.setProperty`) is allowed.
      const styled = [...root(el).querySelectorAll('[style]')].concat(
        ...[...root(el).querySelectorAll('*')].filter((n) => n.shadowRoot).map((n) => [...n.shadowRoot!.querySelectorAll('[style]')]),
      );
      // (Chart.js sizes its canvas through the CSSOM too, which is allowed.)
      expect(styled.filter((n) => n.localName !== 'canvas').map((n) => n.outerHTML)).to.deep.equal([]);
      expect(el.style.getPropertyValue('--_brand-primary')).to.equal('#0f766e');
      const wallet = await section(el, 'credyt-portal-wallet');
      const sheet = document.createElement('style');
      sheet.textContent = 'credyt-billing-portal { --credyt-color-primary: rgb(1, 2, 3); }';
      document.head.append(sheet);
      try {
        const portal = root(el).querySelector('.portal')!;
        expect(getComputedStyle(portal).getPropertyValue('--_primary').trim()).to.equal('rgb(1, 2, 3)');
        expect(getComputedStyle(wallet.host).getPropertyValue('--_primary').trim()).to.equal('rgb(1, 2, 3)');
      } finally {
        sheet.remove();
      }
      expect(getComputedStyle(root(el).querySelector('.portal')!).getPropertyValue('--_primary').trim()).to.equal('#0f766e');
    });
  });

  describe('on other people’s pages', () => {
    it('survives the registration running twice', () => {
      expect(() => defineElements()).to.not.throw();
      expect(customElements.get('credyt-billing-portal')).to.equal(CredytBillingPortal);
    });

    it('warns once when another version registered first, and keeps it', () => {
      const key = Symbol.for('credyt-billing-portal.version');
      const globals = globalThis as { [key]?: string };
      const mine = globals[key];
      const warnings: unknown[] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => warnings.push(args);
      globals[key] = '0.0.1-other';
      try {
        expect(() => defineElements()).to.not.throw();
      } finally {
        console.warn = warn;
        globals[key] = mine;
      }
      expect(String(warnings[0])).to.contain('0.0.1-other is already registered');
      expect(customElements.get('credyt-billing-portal')).to.equal(CredytBillingPortal);
    });

    it('lets a second copy of the built bundle load on the same page', async function () {
      const bundle = '/widget/dist/credyt-billing-portal.js';
      expect((await fetch(bundle, { method: 'HEAD' })).ok, 'run `pnpm build` first (root `pnpm test` does)').to.equal(true);
      const copy = (await import(/* @vite-ignore */ bundle)) as { CredytBillingPortal: unknown };
      expect(copy.CredytBillingPortal).to.not.equal(CredytBillingPortal);
      expect(customElements.get('credyt-billing-portal')).to.equal(CredytBillingPortal);
    });

    it('keeps its layout under hostile page CSS', async () => {
      const style = document.createElement('style');
      style.textContent = '* { display: inline; font-size: 40px; color: red; line-height: 5; letter-spacing: 9px }';
      document.head.append(style);
      const container = document.createElement('div');
      container.style.cssText = 'display:block; width: 800px';
      document.body.append(container);
      try {
        const { el } = await mountPortal({ container });
        const wallet = await section(el, 'credyt-portal-wallet');
        await find(wallet, '[part="balance"]');
        const portal = root(el).querySelector('.portal')!;
        const styles = getComputedStyle(portal);
        expect(styles.display).to.equal('block');
        expect(styles.fontSize).to.equal('14px');
        expect(styles.color).to.equal('rgb(15, 23, 42)');
        expect(styles.letterSpacing).to.equal('normal');
        expect(portal.getBoundingClientRect().width).to.be.closeTo(800, 1);
        const balance = wallet.querySelector('[part="balance"]')!;
        expect(getComputedStyle(balance).display).to.equal('grid');
      } finally {
        style.remove();
        container.remove();
      }
    });

    it('renders platform strings as text and follows only http(s) links', async () => {
      (window as { xssRan?: boolean }).xssRan = false;
      const { el } = await mountPortal({ scenario: 'xss' });
      const heading = root(el).querySelector('h2')!;
      expect(heading.textContent).to.contain('<img src=x onerror=alert(1)>');
      expect(root(el).querySelector('img')).to.equal(null);
      const links = [...root(el).querySelectorAll('footer a')].map((a) => (a as HTMLAnchorElement).href);
      expect(links).to.deep.equal(['https://acme.example/support']);
    });
  });
});
