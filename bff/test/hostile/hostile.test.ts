/**
 * Property-based bad-input suite: hostile values for every route of `/openapi.json`, every portal route, the hosted
 * pages and the Stripe webhook, against the app built with real parts (real PostgreSQL when DATABASE_URL says so).
 *
 * Properties, for every response:
 *  - no status >= 500, except a deliberate 503 that carries Retry-After;
 *  - every 4xx is application/problem+json with status (equal to the HTTP status), title and detail;
 *  - a rejected (4xx) request leaves every public table's rows unchanged (rate_limits excepted).
 *
 * HOSTILE_RUNS (default 12 per route) and HOSTILE_SEED (default 20261202) tune the run; HOSTILE_COLLECT=1 records every
 * failure and prints a summary instead of stopping at the first per route; HOSTILE_SHRINK=1 lets fast-check shrink.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../demo/src/stripe-emulator/index.ts';
import type { Logger } from '../../src/log.ts';
import {
  cleanDatabase,
  createTestContext,
  fundedCustomer,
  unitPrice,
  type CleanDatabase,
  type TestContext,
  type TestPlatform,
} from '../helpers.ts';
import { WEBHOOK_SECRET } from '../payments/helpers.ts';
import { newLink, signIn } from '../portal/helpers.ts';
import {
  bodyMutation,
  deepArray,
  fingerprint,
  fingerprintDiff,
  HOSTILE_URL_TEXT,
  hostileUrlText,
  queryMutation,
  type BodyMutation,
} from './arbitraries.ts';

const RUNS = Number(process.env.HOSTILE_RUNS) || 12;
const SEED = Number(process.env.HOSTILE_SEED) || 20261202;
const COLLECT = process.env.HOSTILE_COLLECT === '1';
const SHRINK = process.env.HOSTILE_SHRINK === '1';
const PROBLEM = /^application\/problem\+json\b/i;

type Auth = 'platform' | 'portal' | 'cookie' | 'webhook' | 'none';

interface RouteSpec {
  method: string;
  /** OpenAPI-style template: /customers/{id}. */
  path: string;
  auth: Auth;
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** Query parameter names the route reads (also mutated when absent from `query`). */
  queryNames?: string[];
  body?: unknown;
  headers?: Record<string, string>;
  /** A fresh valid body per request (webhooks: each must be signed). */
}

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  description: string;
}

interface Got {
  status: number;
  headers: Record<string, string>;
  text: string;
}

interface Failure {
  route: string;
  kind: string;
  sent: Sent;
  got: Got;
  extra?: string;
}

let emulator: RunningStripeEmulator;
let clean: CleanDatabase;
let ctx: TestContext;
let platform: TestPlatform;
let accessToken: string;
let routes: RouteSpec[] = [];
const openapiPaths: { method: string; path: string }[] = [];
let openapiProblem: string | null = null;
const seeded = { topUpId: '', vendorId: '' };
const serverErrors: string[] = [];
const failures: Failure[] = [];
/** Responses per route and status, printed with HOSTILE_COLLECT=1: shows the cases get past auth to validation. */
const stats = new Map<string, number>();
const stripe = new Stripe('sk_test_hostile');
/** In a valid body, replaced per request by a fresh number. */
const UNIQUE = 'UNIQ';
let unique = 0;

function fill(template: string, params: Record<string, string> = {}, raw: Record<string, string> = {}) {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => raw[name] ?? encodeURIComponent(params[name] ?? `missing_${name}`));
}

function authHeaders(auth: Auth): Record<string, string> {
  if (auth === 'platform') return { 'x-credyt-api-key': platform.apiKey };
  if (auth === 'portal') return { authorization: `Bearer ${accessToken}` };
  if (auth === 'cookie') return { cookie: `credyt_portal=${accessToken}` };
  return {};
}

function signed(payload: string, extra: Partial<Parameters<typeof stripe.webhooks.generateTestHeaderString>[0]> = {}) {
  return stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, ...extra });
}

async function send(sent: Sent, stream?: ReadableStream<Uint8Array>): Promise<Got> {
  const init: RequestInit & { duplex?: string } = { method: sent.method, headers: sent.headers };
  if (stream) {
    init.body = stream;
    init.duplex = 'half';
  } else if (sent.body !== undefined) init.body = sent.body;
  const res = await ctx.app.request(sent.url, init);
  const headers = Object.fromEntries(res.headers.entries());
  let text = '';
  if (/text\/event-stream/.test(headers['content-type'] ?? '')) {
    // A live stream: read what is already there, then hang up.
    const reader = res.body!.getReader();
    const first = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), 200))]);
    if (first && first.value) text = new TextDecoder().decode(first.value).slice(0, 500);
    await reader.cancel().catch(() => undefined);
  } else text = await res.text();
  return { status: res.status, headers, text };
}

const short = (s: string | undefined, n = 400) => (s === undefined ? '(none)' : s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

function describeFailure(f: Failure) {
  return [
    `[${f.kind}] ${f.route}`,
    `  case:     ${f.sent.description}`,
    `  request:  ${f.sent.method} ${short(f.sent.url, 300)}`,
    `  headers:  ${short(JSON.stringify(f.sent.headers), 300)}`,
    `  body:     ${short(f.sent.body)}`,
    `  response: ${f.got.status} ${f.got.headers['content-type'] ?? ''} retry-after=${f.got.headers['retry-after'] ?? '-'}`,
    `  text:     ${short(f.got.text)}`,
    ...(f.extra ? [`  note:     ${f.extra}`] : []),
  ].join('\n');
}

/** Sends one request and checks every property; returns the failures (empty when all hold). */
async function probe(route: string, sent: Sent, stream?: () => ReadableStream<Uint8Array>): Promise<Failure[]> {
  const before = await fingerprint(ctx.database.db);
  const logged = serverErrors.length;
  const got = await send(sent, stream?.());
  const out: Failure[] = [];
  const fail = (kind: string, extra?: string) => out.push({ route, kind, sent, got, extra });
  const logs = () => serverErrors.slice(logged).join(' | ') || undefined;
  if (got.status >= 500) {
    if (got.status !== 503) fail(`status ${got.status}`, logs());
    else if (!got.headers['retry-after']) fail('503 without Retry-After', logs());
  }
  const key = `${route} ${got.status}`;
  stats.set(key, (stats.get(key) ?? 0) + 1);
  if (got.status >= 400 && got.status < 500) {
    // The hosted pages answer a browser's navigation (Accept: text/html) with a page; everything else gets a problem.
    const browserPage =
      /^GET \/portal\/?$|^GET \/portal\/sign-in$/.test(route) &&
      /text\/html/.test(sent.headers.accept ?? '') &&
      /^text\/html/.test(got.headers['content-type'] ?? '');
    if (browserPage) {
      /* by design */
    } else if (!PROBLEM.test(got.headers['content-type'] ?? '')) fail('4xx not problem+json');
    else {
      let problem: any = null;
      try {
        problem = JSON.parse(got.text);
      } catch {
        /* checked below */
      }
      if (!problem || problem.status !== got.status || typeof problem.title !== 'string' || typeof problem.detail !== 'string')
        fail('4xx problem without status/title/detail');
    }
    const after = await fingerprint(ctx.database.db);
    const changed = fingerprintDiff(before, after);
    if (changed.length > 0) fail('4xx changed the database', `tables changed: ${changed.join(', ')}`);
  }
  return out;
}

function record(found: Failure[]): boolean {
  failures.push(...found);
  if (found.length > 0 && COLLECT) return true;
  if (found.length > 0) throw new Error(`\n${found.map(describeFailure).join('\n')}\n(reproduce: HOSTILE_SEED=${SEED})`);
  return true;
}

const PARAMS = { seed: SEED, numRuns: RUNS, endOnFailure: !SHRINK, verbose: 0 as const };

/** The arbitrary requests of one route: its body, query, path parameters and headers mutated, and bad auth. */
function requestsFor(spec: RouteSpec): fc.Arbitrary<Sent> {
  const base = (description: string, over: Partial<Sent> & { rawParams?: Record<string, string>; query?: string } = {}): Sent => {
    const query = over.query ?? new URLSearchParams(spec.query ?? {}).toString();
    const hasBody = spec.body !== undefined;
    return {
      method: spec.method,
      url: fill(spec.path, spec.params, over.rawParams) + (query ? `?${query}` : ''),
      headers: {
        ...authHeaders(spec.auth),
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...spec.headers,
        ...over.headers,
      },
      body: over.body ?? (hasBody ? JSON.stringify(spec.body) : undefined),
      description,
    };
  };
  const kinds: fc.Arbitrary<Sent>[] = [];
  const finish = (s: Sent): Sent => {
    // Unique fields stay unique per request, so a case reaches validation and storage rather than a 409 duplicate.
    if (s.body !== undefined) s.body = s.body.replaceAll(UNIQUE, () => `${++unique}`);
    if (spec.auth === 'webhook' && s.body !== undefined && s.headers['stripe-signature'] === undefined)
      s.headers['stripe-signature'] = signed(s.body);
    return s;
  };
  if (spec.body !== undefined) {
    kinds.push(bodyMutation(spec.body).map((m: BodyMutation) => finish(base(`body: ${m.description}`, { body: m.text }))));
    kinds.push(
      fc
        .constantFrom(
          { label: 'content-type text/plain', headers: { 'content-type': 'text/plain' } },
          { label: 'content-type utf-16', headers: { 'content-type': 'application/json; charset=utf-16' } },
          { label: 'content-type multipart', headers: { 'content-type': 'multipart/form-data; boundary=x' } },
          { label: 'content-type form', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
          { label: 'content-type 3,000 chars', headers: { 'content-type': `application/json; x=${'a'.repeat(3000)}` } },
        )
        .map((v) => finish(base(v.label, { headers: v.headers }))),
    );
  }
  const names = [...new Set([...Object.keys(spec.query ?? {}), ...(spec.queryNames ?? [])])];
  if (spec.method === 'GET' || names.length > 0)
    kinds.push(
      queryMutation(spec.query ?? {}, names.length ? names : ['limit']).map((m) =>
        finish(base(`query: ${m.description}`, { query: m.text })),
      ),
    );
  const paramNames = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  if (paramNames.length > 0)
    kinds.push(
      fc
        .record({ name: fc.constantFrom(...paramNames), value: hostileUrlText })
        .filter(({ value }) => value.raw !== '')
        .map(({ name, value }) => finish(base(`path ${name} = ${value.label}`, { rawParams: { [name]: value.raw } }))),
    );
  const badAuth: { label: string; headers: Record<string, string> }[] =
    spec.auth === 'platform'
      ? [
          { label: 'wrong api key', headers: { 'x-credyt-api-key': 'test_wrong' } },
          { label: '3,000-char api key', headers: { 'x-credyt-api-key': 'k'.repeat(3000) } },
          { label: 'empty api key', headers: { 'x-credyt-api-key': '' } },
          { label: 'api key with latin-1', headers: { 'x-credyt-api-key': 'test_\u00ff\u00fe' } },
        ]
      : spec.auth === 'portal' || spec.auth === 'cookie'
        ? [
            { label: 'bearer garbage', headers: { authorization: 'Bearer garbage' } },
            { label: 'bearer 3,000 chars', headers: { authorization: `Bearer ${'t'.repeat(3000)}` } },
            { label: 'basic auth', headers: { authorization: 'Basic dXNlcjpwYXNz' } },
            { label: 'empty bearer', headers: { authorization: 'Bearer ' } },
            { label: 'cookie garbage', headers: { authorization: '', cookie: 'credyt_portal=%ff%00; credyt_portal=x' } },
            { label: 'bearer latin-1', headers: { authorization: 'Bearer \u00ff\u00fe' } },
          ]
        : spec.auth === 'webhook'
          ? [
              { label: 'no signature', headers: { 'stripe-signature': '' } },
              { label: 'garbage signature', headers: { 'stripe-signature': 't=1,v1=abc' } },
              { label: '3,000-char signature', headers: { 'stripe-signature': `t=${'9'.repeat(3000)},v1=00` } },
            ]
          : [];
  badAuth.push(
    { label: 'Idempotency-Key 3,000 chars', headers: { 'idempotency-key': 'k'.repeat(3000) } },
    { label: 'Idempotency-Key empty', headers: { 'idempotency-key': '' } },
    { label: 'Idempotency-Key latin-1', headers: { 'idempotency-key': '\u00ff'.repeat(10) } },
    { label: 'Accept: text/csv', headers: { accept: 'text/csv' } },
    { label: 'Origin hostile', headers: { origin: 'https://evil.example' } },
    { label: 'Origin null', headers: { origin: 'null' } },
  );
  kinds.push(fc.constantFrom(...badAuth).map((v) => finish(base(v.label, { headers: v.headers }))));
  return fc.oneof(...kinds);
}

const sessionReturn = { return_url: 'https://platform.example/account', failure_url: 'https://platform.example/failed' };

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0, webhookUrl: '', webhookSecret: WEBHOOK_SECRET });
  clean = await cleanDatabase();
  // The server's errors and warnings are kept for the failure report.
  const keep = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    if (level === 'error' || level === 'warn') serverErrors.push(`${level}: ${msg} ${JSON.stringify(fields ?? {}).slice(0, 600)}`);
  };
  const logger: Logger = { debug: () => {}, info: () => {}, warn: keep('warn'), error: keep('error') };
  ctx = await createTestContext({
    databaseUrl: clean.url,
    logger,
    env: { STRIPE_API_BASE: emulator.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET },
    portal: { heartbeatMs: 200, sessionCheckMs: 50 },
  });
  platform = await ctx.newPlatform('Hostile platform');
  const ok = (r: { status: number; body: any }, what: string) => {
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  ok(
    await platform.call('PUT', '/billing-portal/configuration', {
      allowed_origins: ['https://platform.example'],
      features: { top_up: true, auto_top_up: true, spend_history: true, usage_history: true, transactions: true },
    }),
    'configuration',
  );
  const assetCode = `H${randomBytes(3).toString('hex').toUpperCase()}`;
  ok(
    await platform.call('POST', '/assets', {
      code: assetCode,
      name: 'Hostile credits',
      precision: 2,
      rates: [{ source: 'USD', rate: '0.01' }],
    }),
    'asset',
  );
  const customer = await fundedCustomer(
    platform,
    [unitPrice('api_call', 'USD', '0.01')],
    [
      { asset: 'USD', amount: '1000' },
      { asset: assetCode, amount: '1000' },
    ],
  );
  const other = await fundedCustomer(platform, [unitPrice('api_call', 'USD', '0.01')]);
  const events = ok(
    await platform.call('POST', '/events', {
      customer_id: customer.id,
      events: [{ id: 'evt_seed_1', event_type: 'api_call', occurred_at: new Date().toISOString(), data: {} }],
    }),
    'events',
  );
  void events;
  const topUp = ok(
    await platform.call('POST', '/top-ups', { customer_id: customer.id, amount: '10', currency: 'USD', ...sessionReturn }),
    'top-up',
  );
  seeded.topUpId = topUp.id;
  seeded.vendorId = ok(await platform.call('POST', '/vendors', { name: 'Seed vendor', external_id: 'hostile-seed-vendor' }), 'vendor').id;
  const products = ok(await platform.call('GET', '/products'), 'products') as { items: { id: string; code: string }[] };
  const productId = products.items.find((p) => p.code === customer.code)?.id ?? customer.code;
  const destination = ok(await platform.call('POST', '/webhooks', { url: 'https://example.com/credyt' }), 'webhook destination') as {
    id: string;
  };
  const link = await newLink(platform, customer.id);
  const signInLink = await newLink(platform, customer.id);
  const session = await signIn(ctx.app, platform, customer.id);
  accessToken = session.accessToken;
  const portalTopUp = await ctx.app.request('/portal/api/top-ups', {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ asset: 'USD', amount: '5', idempotency_key: 'hostile-seed-top-up' }),
  });
  if (portalTopUp.status >= 300) throw new Error(`portal top-up: ${portalTopUp.status} ${await portalTopUp.text()}`);
  const portalTopUpId = ((await portalTopUp.json()) as { id: string }).id;

  const now = new Date().toISOString();
  const webhookEvent = (type: string, object: Record<string, unknown>) => ({
    id: `evt_h_${type}`,
    object: 'event',
    type,
    data: { object },
  });
  const checkout = {
    id: 'cs_hostile_unknown',
    object: 'checkout.session',
    mode: 'payment',
    payment_status: 'unpaid',
    metadata: { top_up_id: 'tu_unknown' },
  };

  routes = [
    { method: 'GET', path: '/livez', auth: 'none' },
    { method: 'GET', path: '/healthz', auth: 'none' },
    { method: 'GET', path: '/metrics', auth: 'none' },
    { method: 'GET', path: '/openapi.json', auth: 'none' },
    {
      method: 'POST',
      path: '/assets',
      auth: 'platform',
      body: { code: 'HOSTILEUNIQ', name: 'X', precision: 2, symbol: 'X', label: 'x', rates: [{ source: 'USD', rate: '0.5' }] },
    },
    { method: 'GET', path: '/assets', auth: 'platform' },
    { method: 'GET', path: '/assets/{code}', auth: 'platform', params: { code: assetCode } },
    {
      method: 'POST',
      path: '/assets/{code}/quote',
      auth: 'platform',
      params: { code: assetCode },
      body: { source: 'USD', amount: '12.50' },
    },
    {
      method: 'POST',
      path: '/products',
      auth: 'platform',
      body: {
        name: 'P',
        code: 'hostile_pUNIQ',
        publish: true,
        entitlements: [{ asset: 'USD', amount: '100', refresh: { interval: 'month' } }],
        prices: [
          unitPrice('api_call', 'USD', '0.01'),
          {
            name: 'dim',
            type: 'usage_based',
            billing_model: { type: 'real_time' },
            usage_calculation: { event_type: 'gen', usage_type: 'volume', volume_field: 'tokens', billable_dimensions: ['model'] },
            pricing: [{ asset: 'USD', values: [{ dimensions: { model: 'a' }, values: [{ volume_rate: '0.001', package_size: 1000 }] }] }],
          },
        ],
      },
    },
    { method: 'GET', path: '/products', auth: 'platform', queryNames: ['limit', 'offset', 'code'] },
    { method: 'GET', path: '/products/{id}', auth: 'platform', params: { id: productId } },
    {
      method: 'POST',
      path: '/products/{id}',
      auth: 'platform',
      params: { id: productId },
      body: { name: 'P2', publish: false, prices: [unitPrice('api_call', 'USD', '0.02')] },
    },
    {
      method: 'PATCH',
      path: '/products/{id}/{version}',
      auth: 'platform',
      params: { id: productId, version: '1' },
      body: { publish: true, make_default: true },
    },
    {
      method: 'POST',
      path: '/products/{id}/{version}/simulate-usage',
      auth: 'platform',
      params: { id: productId, version: 'default' },
      body: { events: [{ id: 'sim-1', event_type: 'api_call', occurred_at: '2026-11-20T10:00:00Z', data: { tokens: 5 } }] },
    },
    { method: 'GET', path: '/accounts/self', auth: 'platform' },
    { method: 'POST', path: '/accounts', auth: 'platform', body: { name: 'A', external_id: 'hostile-accountUNIQ', metadata: { k: 'v' } } },
    { method: 'GET', path: '/accounts', auth: 'platform', queryNames: ['limit', 'offset', 'external_id'] },
    { method: 'GET', path: '/accounts/{id}', auth: 'platform', params: { id: 'acc_unknown' } },
    { method: 'POST', path: '/vendors', auth: 'platform', body: { name: 'V', external_id: 'hostile-vendorUNIQ' } },
    { method: 'GET', path: '/vendors', auth: 'platform', queryNames: ['limit', 'offset', 'external_id'] },
    { method: 'GET', path: '/vendors/{id}', auth: 'platform', params: { id: 'vnd_unknown' } },
    { method: 'GET', path: '/vendors/{id}/stats', auth: 'platform', params: { id: seeded.vendorId } },
    { method: 'GET', path: '/subscriptions/{id}/pay', auth: 'none', params: { id: 'sub_unknown' }, query: { sig: 'x' } },
    {
      method: 'POST',
      path: '/webhooks',
      auth: 'platform',
      body: {
        url: 'https://example.com/hooks/UNIQ',
        topics: ['subscription.activated', 'top_up.failed'],
        connect: false,
        description: 'd',
      },
    },
    { method: 'GET', path: '/webhooks', auth: 'platform', queryNames: ['limit', 'offset'] },
    { method: 'GET', path: '/webhooks/{id}', auth: 'platform', params: { id: destination.id } },
    {
      method: 'PATCH',
      path: '/webhooks/{id}',
      auth: 'platform',
      params: { id: destination.id },
      body: { url: 'https://example.com/credyt', topics: ['*'], description: null, enabled: true },
    },
    {
      method: 'GET',
      path: '/webhooks/{id}/deliveries',
      auth: 'platform',
      params: { id: destination.id },
      queryNames: ['limit', 'offset', 'status'],
    },
    {
      method: 'PATCH',
      path: '/webhooks/{id}/deliveries/{event_id}',
      auth: 'platform',
      params: { id: destination.id, event_id: 'evt_unknown' },
      body: { status: 'pending' },
    },
    { method: 'DELETE', path: '/webhooks/{id}', auth: 'platform', params: { id: 'whd_unknown' } },
    {
      method: 'POST',
      path: '/customers',
      auth: 'platform',
      body: { name: 'C', external_id: 'ext_hostileUNIQ', email: 'c@example.com', subscriptions: [{ products: [{ code: customer.code }] }] },
    },
    { method: 'GET', path: '/customers', auth: 'platform', query: { external_id: 'ext_x', limit: '10' }, queryNames: ['offset'] },
    { method: 'GET', path: '/customers/{id}', auth: 'platform', params: { id: customer.id } },
    { method: 'GET', path: '/customers/{id}/stats', auth: 'platform', params: { id: customer.id } },
    { method: 'GET', path: '/customers/{id}/wallet', auth: 'platform', params: { id: customer.id } },
    {
      method: 'GET',
      path: '/customers/{id}/wallet/{account_id}',
      auth: 'platform',
      params: { id: customer.id, account_id: 'default:USD' },
    },
    {
      method: 'POST',
      path: '/customers/{id}/wallet/adjustments',
      auth: 'platform',
      params: { id: customer.id },
      body: {
        transaction_id: 'adj_hostileUNIQ',
        asset: 'USD',
        amount: '1.5',
        account_name: 'default',
        description: 'd',
        reason: 'gift',
        metadata: { a: 'b' },
        expires_at: '2030-01-01T00:00:00Z',
      },
    },
    {
      method: 'POST',
      path: '/events',
      auth: 'platform',
      body: {
        customer_id: customer.id,
        events: [
          {
            id: 'evt_hostileUNIQ',
            event_type: 'api_call',
            occurred_at: now,
            subject: 's',
            description: 'd',
            data: { tokens: 5, model: 'a' },
            costs: [{ vendor_external_id: 'hostile-seed-vendor', amount: '0.001', currency: 'USD' }],
          },
        ],
      },
    },
    { method: 'GET', path: '/events/{id}', auth: 'platform', params: { id: 'evt_seed_1' } },
    {
      method: 'GET',
      path: '/events',
      auth: 'platform',
      query: { customer_id: customer.id, limit: '10' },
      queryNames: ['offset', 'from', 'to', 'event_type'],
    },
    {
      method: 'POST',
      path: '/billing-portal/sessions',
      auth: 'platform',
      body: { customer_id: customer.id, ...sessionReturn, locale: 'en' },
    },
    { method: 'POST', path: '/billing-portal/sessions/{id}/revoke', auth: 'platform', params: { id: link.id } },
    { method: 'POST', path: '/customers/{id}/billing-portal/sessions/revoke', auth: 'platform', params: { id: other.id } },
    { method: 'GET', path: '/billing-portal/configuration', auth: 'platform' },
    {
      method: 'PUT',
      path: '/billing-portal/configuration',
      auth: 'platform',
      body: {
        branding: {
          name: 'B',
          logo_url: 'https://platform.example/logo.png',
          primary_color: '#123456',
          accent_color: '#abc',
          font_family: 'Inter, sans-serif',
        },
        urls: { support_url: 'https://platform.example/s', terms_url: null, product_url: 'https://platform.example' },
        allowed_origins: ['https://platform.example'],
        top_up_limits: { minimum: '1', maximum: '1000' },
        features: { top_up: true, auto_top_up: true, spend_history: true, usage_history: true, transactions: true },
        default_locale: 'en',
      },
    },
    {
      method: 'POST',
      path: '/top-ups',
      auth: 'platform',
      body: {
        customer_id: customer.id,
        amount: '10.00',
        currency: 'USD',
        destination: { asset: 'USD' },
        description: 'T',
        ...sessionReturn,
        idempotency_key: 'hostile-tuUNIQ',
      },
    },
    { method: 'GET', path: '/top-ups/{id}', auth: 'platform', params: { id: topUp.id } },
    // Portal API.
    { method: 'POST', path: '/portal/api/session', auth: 'none', body: { token: 'pls_not_a_real_token' } },
    { method: 'GET', path: '/portal/api/session', auth: 'portal' },
    { method: 'GET', path: '/portal/api/wallet', auth: 'portal', query: { tz: 'Europe/Berlin' } },
    {
      method: 'GET',
      path: '/portal/api/spend',
      auth: 'portal',
      query: { from: '2026-01-01', to: '2026-02-01', interval: 'week', asset: 'USD', tz: 'UTC' },
    },
    {
      method: 'GET',
      path: '/portal/api/usage',
      auth: 'portal',
      query: { limit: '10', from: '2026-01-01', to: '2026-12-31', product: customer.code, tz: 'Asia/Tokyo' },
      queryNames: ['cursor'],
    },
    {
      method: 'GET',
      path: '/portal/api/transactions',
      auth: 'portal',
      query: { month: '2026-01', asset: 'USD', category: 'usage', limit: '10', tz: 'UTC' },
      queryNames: ['cursor', 'format'],
    },
    {
      method: 'GET',
      path: '/portal/api/transactions',
      auth: 'portal',
      query: { format: 'csv', month: '2026-12', tz: 'America/New_York' },
      queryNames: ['asset', 'category', 'cursor'],
    },
    { method: 'GET', path: '/portal/api/stream', auth: 'portal', query: { tz: 'UTC' } },
    {
      method: 'POST',
      path: '/portal/api/top-ups',
      auth: 'portal',
      body: {
        asset: 'USD',
        amount: '10.00',
        idempotency_key: 'hostile-portal-tuUNIQ',
        save_card: true,
        return_url: 'https://platform.example/back',
      },
    },
    { method: 'GET', path: '/portal/api/top-ups/{id}', auth: 'portal', params: { id: portalTopUpId } },
    { method: 'GET', path: '/portal/api/auto-top-up', auth: 'portal' },
    {
      method: 'PUT',
      path: '/portal/api/auto-top-up/{asset}',
      auth: 'portal',
      params: { asset: 'USD' },
      body: { enabled: false, threshold: '5', amount: '20' },
    },
    {
      method: 'POST',
      path: '/portal/api/auto-top-up/card-setup',
      auth: 'portal',
      body: { asset: 'USD', return_url: 'https://platform.example/back' },
    },
    // Hosted pages.
    { method: 'GET', path: '/portal/sign-in', auth: 'none', query: { token: signInLink.token }, headers: { accept: 'text/html' } },
    { method: 'GET', path: '/portal/sign-in', auth: 'none', query: { token: signInLink.token } },
    { method: 'GET', path: '/portal/', auth: 'cookie', headers: { accept: 'text/html' } },
    { method: 'GET', path: '/portal/', auth: 'cookie', headers: { accept: 'application/json' } },
    { method: 'GET', path: '/portal', auth: 'none' },
    // Stripe webhook: each body is signed as sent (unless a case replaces the signature).
    { method: 'POST', path: '/webhooks/stripe', auth: 'webhook', body: webhookEvent('checkout.session.completed', checkout) },
    {
      method: 'POST',
      path: '/webhooks/stripe',
      auth: 'webhook',
      body: webhookEvent('checkout.session.completed', {
        ...checkout,
        mode: 'setup',
        setup_intent: 'seti_unknown',
        metadata: { credyt_customer_id: customer.id, platform_id: platform.platformId, asset: 'USD' },
      }),
    },
    { method: 'POST', path: '/webhooks/stripe', auth: 'webhook', body: webhookEvent('checkout.session.async_payment_failed', checkout) },
    {
      method: 'POST',
      path: '/webhooks/stripe',
      auth: 'webhook',
      body: webhookEvent('payment_intent.payment_failed', {
        id: 'pi_unknown',
        object: 'payment_intent',
        metadata: { top_up_id: 'tu_unknown' },
        last_payment_error: { code: 'card_declined', message: 'no' },
      }),
    },
  ];

  // The OpenAPI document, from the app itself.
  const doc = await ctx.app.request('/openapi.json');
  const text = await doc.text();
  if (doc.status !== 200) openapiProblem = `GET /openapi.json → ${doc.status} ${doc.headers.get('content-type')}: ${text.slice(0, 400)}`;
  else {
    const parsed = JSON.parse(text) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, ops] of Object.entries(parsed.paths ?? {}))
      for (const method of Object.keys(ops))
        if (/^(get|post|put|patch|delete)$/.test(method)) openapiPaths.push({ method: method.toUpperCase(), path });
  }
}, 120_000);

afterAll(async () => {
  if (failures.length > 0) {
    const groups = new Map<string, Failure[]>();
    for (const f of failures) {
      const cause = /"error":"([^\\"]{0,160})/.exec(f.extra ?? '')?.[1] ?? f.got.text.slice(0, 120);
      const key = `${f.kind} | ${f.route} | ${f.got.status} | ${cause}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    console.log(`\n=== hostile suite: ${failures.length} failures, ${groups.size} distinct ===`);
    for (const [, list] of groups) console.log(`${describeFailure(list[0]!)}\n  (${list.length}x)\n`);
  }
  if (COLLECT)
    console.log(
      `\n=== responses per route and status ===\n${[...stats]
        .sort()
        .map(([k, n]) => `${k}: ${n}`)
        .join('\n')}`,
    );
  await ctx?.close();
  await clean?.drop();
  await emulator?.close().catch(() => undefined);
}, 60_000);

describe('hostile input', () => {
  it('GET /openapi.json answers with the document', () => {
    if (openapiProblem)
      failures.push({
        route: '/openapi.json',
        kind: 'openapi document',
        sent: { method: 'GET', url: '/openapi.json', headers: {}, description: 'the document' },
        got: { status: 0, headers: {}, text: openapiProblem },
      });
    expect(openapiProblem).toBeNull();
  });

  it('covers every route of the OpenAPI document and of the app', () => {
    const known = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const missing = openapiPaths.map((p) => `${p.method} ${p.path}`).filter((k) => !known.has(k));
    const appRoutes = ctx.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .filter((k) => !k.startsWith('GET /widget'));
    const missingApp = [...new Set(appRoutes)].filter((k) => !known.has(k));
    expect({ missing, missingApp }).toEqual({ missing: [], missingApp: [] });
  });

  it('routes are ready, and the fingerprint sees a write', async () => {
    expect(routes.length).toBeGreaterThan(30);
    const before = await fingerprint(ctx.database.db);
    expect(Object.keys(before).length).toBeGreaterThan(5);
    expect(before).not.toHaveProperty('rate_limits');
    const r = await platform.call('POST', '/customers', { name: 'Fingerprint', external_id: `fp_${randomBytes(4).toString('hex')}` });
    expect(r.status).toBe(201);
    expect(fingerprintDiff(before, await fingerprint(ctx.database.db))).toContain('customers');
  });

  // One property per route; fast-check draws RUNS requests for each (fixed seed).
  for (let i = 0; i < 52; i++) {
    it(`route #${i}`, async (t) => {
      const spec = routes[i];
      if (!spec) return t.skip();
      const name = `${spec.method} ${spec.path}`;
      await fc.assert(
        fc.asyncProperty(requestsFor(spec), async (sent) => record(await probe(name, sent))),
        { ...PARAMS, seed: SEED + i },
      );
    });
  }

  it('fixed cases: nested bodies, oversized and chunked bodies, webhook shapes, duplicated params', async () => {
    const key = { 'x-credyt-api-key': platform.apiKey };
    const bearer = { authorization: `Bearer ${accessToken}` };
    const json = { 'content-type': 'application/json' };
    const cases: { route: string; sent: Sent; stream?: () => ReadableStream<Uint8Array> }[] = [];
    const add = (route: string, sent: Omit<Sent, 'description'> & { description?: string }, stream?: () => ReadableStream<Uint8Array>) =>
      cases.push({ route, sent: { description: sent.description ?? route, ...sent }, stream });

    // Nesting 5,000 deep, as raw text, in each JSON route.
    for (const spec of routes.filter((r) => r.body !== undefined)) {
      const url = fill(spec.path, spec.params);
      for (const body of [deepArray(), `{"a":${deepArray()}}`]) {
        const headers: Record<string, string> = { ...authHeaders(spec.auth), ...json };
        if (spec.auth === 'webhook') headers['stripe-signature'] = signed(body);
        add(`${spec.method} ${spec.path}`, { method: spec.method, url, headers, body, description: 'body nested 5,000 deep' });
      }
    }
    // Bodies over 2 MiB, streamed without Content-Length (chunked), and one with it.
    const big = (bytes: number) => () => {
      let sent = 0;
      const chunk = new TextEncoder().encode('{"a":"' + 'x'.repeat(64 * 1024));
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= bytes) return controller.close();
          controller.enqueue(chunk);
          sent += chunk.length;
        },
      });
    };
    for (const [route, url, headers] of [
      ['POST /customers', '/customers', key],
      ['POST /events', '/events', key],
      ['PUT /billing-portal/configuration', '/billing-portal/configuration', key],
      ['POST /portal/api/top-ups', '/portal/api/top-ups', bearer],
      ['POST /portal/api/session', '/portal/api/session', {}],
      ['POST /webhooks/stripe', '/webhooks/stripe', { 'stripe-signature': signed('{}') }],
    ] as const) {
      const method = route.split(' ')[0]!;
      add(
        route,
        { method, url, headers: { ...headers, ...json, 'transfer-encoding': 'chunked' }, description: 'chunked body of 2.1 MB' },
        big(2.1 * 1024 * 1024),
      );
      add(route, {
        method,
        url,
        headers: { ...headers, ...json },
        body: `{"a":"${'x'.repeat(2.1 * 1024 * 1024)}"}`,
        description: 'body of 2.1 MB with Content-Length',
      });
    }
    // Webhook shapes Stripe does not send, each correctly signed.
    const shapes: [string, string][] = [
      ['data null', '{"id":"evt_1","type":"checkout.session.completed","data":null}'],
      ['data without object', '{"id":"evt_1","type":"checkout.session.completed","data":{}}'],
      ['object null', '{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":null}}'],
      ['unknown type', '{"id":"evt_1","type":"hostile.unknown","data":{"object":{"id":"x"}}}'],
      ['type number', '{"id":"evt_1","type":42,"data":{"object":{"id":"x"}}}'],
      ['id object', '{"id":{},"type":"checkout.session.completed","data":{"object":{"id":"x"}}}'],
      ['metadata array', '{"id":"evt_1","type":"checkout.session.expired","data":{"object":{"id":"x","metadata":[1]}}}'],
      [
        'metadata top_up_id number',
        '{"id":"evt_1","type":"checkout.session.expired","data":{"object":{"id":"x","metadata":{"top_up_id":5}}}}',
      ],
      [
        'metadata top_up_id NUL',
        '{"id":"evt_1","type":"checkout.session.expired","data":{"object":{"id":"x","metadata":{"top_up_id":"a\\u0000"}}}}',
      ],
      [
        'metadata top_up_id 3,000 chars',
        `{"id":"evt_1","type":"checkout.session.expired","data":{"object":{"id":"x","metadata":{"top_up_id":"${'t'.repeat(3000)}"}}}}`,
      ],
      [
        'payment_intent.succeeded unknown',
        '{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_nope","metadata":{"top_up_id":"tu_nope"}}}}',
      ],
      [
        'completed paid unknown session',
        '{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_nope","mode":"payment","payment_status":"paid","metadata":{}}}}',
      ],
      [
        'async succeeded unknown session',
        '{"id":"evt_1","type":"checkout.session.async_payment_succeeded","data":{"object":{"id":"cs_nope"}}}',
      ],
      [
        'setup session unknown intent',
        `{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_nope","mode":"setup","setup_intent":"seti_nope","metadata":{"credyt_customer_id":"cus_nope","platform_id":"plt_nope","asset":"USD"}}}}`,
      ],
      [
        'setup_intent object',
        `{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_nope","mode":"setup","setup_intent":{},"metadata":{"credyt_customer_id":"c","platform_id":"p","asset":"USD"}}}}`,
      ],
      [
        'last_payment_error string',
        '{"id":"evt_1","type":"payment_intent.payment_failed","data":{"object":{"id":"pi_1","last_payment_error":"x","metadata":{"top_up_id":"tu_nope"}}}}',
      ],
      ['body array', '[]'],
      ['body string', '"x"'],
      ['body 2^53+1', '9007199254740993'],
      ['lone surrogate', '{"id":"evt_\\ud800","type":"checkout.session.completed","data":{"object":{"id":"x"}}}'],
      ['not JSON', 'not json'],
      [
        'payment_intent.succeeded, known top-up, unknown intent',
        `{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_nope","metadata":{"top_up_id":"${seeded.topUpId}"}}}}`,
      ],
      [
        'completed paid, known top-up, unknown session',
        `{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_nope2","mode":"payment","payment_status":"paid","metadata":{"top_up_id":"${seeded.topUpId}"}}}}`,
      ],
    ];
    for (const [label, body] of shapes) {
      add('POST /webhooks/stripe', {
        method: 'POST',
        url: '/webhooks/stripe',
        headers: { ...json, 'stripe-signature': signed(body) },
        body,
        description: `webhook: ${label}`,
      });
    }
    const future = '{"id":"evt_1","type":"hostile.unknown","data":{"object":{"id":"x"}}}';
    add('POST /webhooks/stripe', {
      method: 'POST',
      url: '/webhooks/stripe',
      headers: { ...json, 'stripe-signature': signed(future, { timestamp: 99_999_999_999 }) },
      body: future,
      description: 'webhook signed far in the future',
    });
    add('POST /webhooks/stripe', {
      method: 'POST',
      url: '/webhooks/stripe',
      headers: { ...json, 'stripe-signature': signed(future, { timestamp: -1 }) },
      body: future,
      description: 'webhook signed at t=-1',
    });
    // Query strings: duplicates, NUL, bad escapes, every hostile zone on every tz route.
    for (const path of ['/portal/api/wallet', '/portal/api/spend', '/portal/api/usage', '/portal/api/transactions', '/portal/api/stream']) {
      for (const z of HOSTILE_URL_TEXT.filter((v) => v.label.startsWith('zone ') || /%|chars/.test(v.label)))
        add(`GET ${path}`, { method: 'GET', url: `${path}?tz=${z.raw}`, headers: bearer, description: `tz = ${z.label}` });
      add(`GET ${path}`, { method: 'GET', url: `${path}?tz=UTC&tz=Mars/Olympus`, headers: bearer, description: 'duplicated tz' });
    }
    for (const m of ['0000-01', '2026-13', '9999-12', '0001-01', '1969-12'])
      for (const format of ['json', 'csv'])
        add('GET /portal/api/transactions', {
          method: 'GET',
          url: `/portal/api/transactions?month=${m}&format=${format}&tz=Pacific/Kiritimati`,
          headers: bearer,
          description: `month ${m} ${format}`,
        });
    for (const [from, to] of [
      ['0000-01-01', '9999-12-31'],
      ['0001-01-01', '9999-12-31'],
      ['1970-01-01', '2100-12-31'],
      ['9999-12-31', '9999-12-31'],
    ])
      for (const interval of ['day', 'week', 'month']) {
        add('GET /portal/api/spend', {
          method: 'GET',
          url: `/portal/api/spend?from=${from}&to=${to}&interval=${interval}&tz=Pacific/Kiritimati`,
          headers: bearer,
          description: `spend ${from}..${to} ${interval}`,
        });
        add('GET /portal/api/usage', {
          method: 'GET',
          url: `/portal/api/usage?from=${from}&to=${to}&tz=Etc/GMT-14`,
          headers: bearer,
          description: `usage ${from}..${to}`,
        });
      }
    const found: Failure[] = [];
    for (const c of cases) found.push(...(await probe(c.route, c.sent, c.stream)));
    failures.push(...found);
    if (!COLLECT) expect(found.map(describeFailure)).toEqual([]);
  });
});
