import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPortalContext,
  fundedCustomer,
  newLink,
  testClock,
  unitPrice,
  type PortalTestContext,
  type TestPlatform,
} from './helpers.ts';

const HOSTILE = '<img src=x onerror=alert(1)>';

/** The hosted portal page: `redirect_url` → sign-in (cookie) → `/portal/`. */
describe('hosted portal page', () => {
  const clock = testClock();
  let ctx: PortalTestContext;
  let p: TestPlatform;
  let customerId: string;
  /** A customer with a name and an email, for the page's "signed in as". */
  let adaId: string;

  beforeAll(async () => {
    ctx = await createPortalContext({ clock });
    p = await ctx.newPlatform();
    const funded = await fundedCustomer(p, [unitPrice('chat', 'USD', '0.5')], [{ asset: 'USD', amount: 20 }]);
    customerId = funded.id;
    const ada = await p.call('POST', '/customers', {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      external_id: 'ext_ada_hosted',
      subscriptions: [{ products: [{ code: funded.code }] }],
    });
    adaId = ada.body.id as string;
  });
  afterAll(() => ctx.close());

  /** Follows a link's sign-in and returns the cookie it set. */
  async function signInCookie(extra: Record<string, unknown> = {}, customer = customerId) {
    const link = await newLink(p, customer, extra);
    const res = await ctx.app.request(new URL(link.redirect_url).pathname + new URL(link.redirect_url).search);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/portal/');
    return res.headers.get('set-cookie')!.split(';')[0]!;
  }

  it('renders the element in cookie mode with the branding and the way back, behind strict headers', async () => {
    await p.call('PUT', '/billing-portal/configuration', {
      branding: { name: 'Lumen AI', primary_color: '#6d28d9', logo_url: 'https://cdn.lumen.example/logo.svg' },
    });
    const cookie = await signInCookie({ return_url: 'https://lumen.example/settings/billing' });
    const res = await ctx.app.request('/portal/', { headers: { cookie } });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<script type="module" src="/widget/credyt-billing-portal.js"></script>');
    expect(body).toMatch(/<credyt-billing-portal\s+api-base="http:\/\/localhost:8787"[^>]*>\s*<\/credyt-billing-portal>/);
    expect(body).not.toMatch(/<credyt-billing-portal[^>]*token=/);
    expect(body).toContain('<title>Billing · Lumen AI</title>');
    expect(body).toContain('href="https://lumen.example/settings/billing"');
    expect(body).toContain('src="https://cdn.lumen.example/logo.svg"');
    expect(body).toContain('--brand: #6d28d9');

    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("img-src 'self' data: https://cdn.lumen.example");
    expect(csp).not.toContain('unsafe-inline');
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(body).toContain(`<style nonce="${nonce}">`);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');

    // As a browser asks for it: brotli, the same page, its headers kept.
    const br = await ctx.app.request('/portal/', { headers: { cookie, 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString();
    expect(html).toContain('<title>Billing · Lumen AI</title>');
  });

  it('tells the element how many wallet cards to draw while it loads: one per balance and the month’s spend', async () => {
    const cookie = await signInCookie();
    const body = await (await ctx.app.request('/portal/', { headers: { cookie } })).text();
    const wallet = await ctx.app.request('/portal/api/wallet', { headers: { cookie } });
    const accounts = ((await wallet.json()) as { accounts: unknown[] }).accounts.length;
    expect(accounts).toBeGreaterThan(0);
    expect(body).toContain(`data-wallet-cards="${accounts + 1}"`);
  });

  it('has an h1 and says who is signed in, in English and left to right by default', async () => {
    await p.call('PUT', '/billing-portal/configuration', { branding: { name: 'Lumen AI', logo_url: null } });
    const cookie = await signInCookie({ return_url: 'https://lumen.example/billing' }, adaId);
    const body = await (await ctx.app.request('/portal/', { headers: { cookie } })).text();
    expect(body).toMatch(/<html lang="en" dir="ltr">/);
    expect(body.match(/<h1[ >]/g)).toHaveLength(1);
    expect(body).toContain('<h1>Billing</h1>');
    expect(body).toMatch(/Signed in as <strong>Ada Lovelace<\/strong> · <span>ada@example.com<\/span>/);
    expect(body).toMatch(/<span class="long">Back to Lumen AI<\/span\s*>/);
    expect(body).toMatch(/<span class="short" aria-hidden="true">Back<\/span\s*>/);
    expect(body).toContain('>Skip to billing</a>');
  });

  it.each([
    {
      locale: 'es',
      dir: 'ltr',
      title: 'Facturación · Lumen AI',
      h1: 'Facturación',
      who: 'Sesión iniciada como',
      back: 'Volver a Lumen AI',
      arrow: '←',
    },
    {
      locale: 'ar',
      dir: 'rtl',
      title: 'الفوترة · Lumen AI',
      h1: 'الفوترة',
      who: 'تم تسجيل الدخول باسم',
      back: 'العودة إلى Lumen AI',
      arrow: '→',
    },
  ])('speaks the session’s language ($locale): lang, dir, the header and the h1 translated', async (want) => {
    await p.call('PUT', '/billing-portal/configuration', { branding: { name: 'Lumen AI', logo_url: null } });
    const cookie = await signInCookie({ locale: want.locale, return_url: 'https://lumen.example/billing' }, adaId);
    const body = await (await ctx.app.request('/portal/', { headers: { cookie } })).text();
    expect(body).toMatch(new RegExp(`<html lang="${want.locale}" dir="${want.dir}">`));
    expect(body).toContain(`<title>${want.title}</title>`);
    expect(body).toContain(`<h1>${want.h1}</h1>`);
    expect(body).toContain(`${want.who} <strong>Ada Lovelace</strong>`);
    expect(body).toMatch(new RegExp(`<span class="long">${want.back}</span\\s*>`));
    expect(body).toMatch(new RegExp(`<span aria-hidden="true">${want.arrow}</span\\s*>`));
    expect(body).not.toContain('Back to');
    expect(body).not.toContain('Skip to billing');
    // The element gets the same locale, so it does not start in English and flip.
    expect(body).toMatch(new RegExp(`theme="auto"\\s+locale="${want.locale}"\\s*>\\s*</credyt-billing-portal>`));
  });

  it('falls back to English for a locale it has no words for, and keeps the locale for the element', async () => {
    const cookie = await signInCookie({ locale: 'fr-CA' }, adaId);
    const body = await (await ctx.app.request('/portal/', { headers: { cookie } })).text();
    expect(body).toMatch(/<html lang="en" dir="ltr">/);
    expect(body).toContain('<h1>Billing</h1>');
    expect(body).toContain('locale="fr-CA"');
  });

  it('escapes a hostile platform name everywhere it is shown', async () => {
    await p.call('PUT', '/billing-portal/configuration', { branding: { name: HOSTILE, logo_url: null } });
    const cookie = await signInCookie();
    const body = await (await ctx.app.request('/portal/', { headers: { cookie } })).text();
    expect(body).not.toContain(HOSTILE);
    expect(body).not.toMatch(/<img[^>]*onerror/i);
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(body).not.toContain('<img');
  });

  it('shows the expired page, with no data, without a cookie, with a bogus one, and once the session ended', async () => {
    const expectExpired = async (headers: Record<string, string>) => {
      const res = await ctx.app.request('/portal/', { headers });
      expect(res.status).toBe(401);
      const body = await res.text();
      expect(body).toContain('This billing link has expired');
      expect(body).not.toContain('<credyt-billing-portal');
      expect(body).not.toContain('/widget/');
      expect(body).not.toContain('Customer');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    };
    await expectExpired({});
    await expectExpired({ cookie: 'credyt_portal=bpa_not-a-real-token' });
    const cookie = await signInCookie();
    clock.advance(2 * 60 * 60 * 1000);
    await expectExpired({ cookie });
  });

  it('sends /portal to /portal/', async () => {
    const res = await ctx.app.request('/portal');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/portal/');
  });
});
