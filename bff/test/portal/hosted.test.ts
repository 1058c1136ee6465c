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

  beforeAll(async () => {
    ctx = await createPortalContext({ clock });
    p = await ctx.newPlatform();
    customerId = (await fundedCustomer(p, [unitPrice('chat', 'USD', '0.5')], [{ asset: 'USD', amount: 20 }])).id;
  });
  afterAll(() => ctx.close());

  /** Follows a link's sign-in and returns the cookie it set. */
  async function signInCookie(extra: Record<string, unknown> = {}) {
    const link = await newLink(p, customerId, extra);
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
    expect(body).toMatch(/<credyt-billing-portal api-base="http:\/\/localhost:8787"[^>]*><\/credyt-billing-portal>/);
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
