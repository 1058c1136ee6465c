/**
 * A small fixture of the portal API (`/portal/api/*`), mounted as a @web/dev-server middleware so the element under
 * test does real HTTP: bearer and cookie auth, problem+json errors, cursor paging, CSV, and an SSE stream.
 * Responses follow the zod schemas in shared/src (a browser test parses every one of them with those schemas).
 *
 * The link token names a scenario, optionally with a suffix that keeps parallel tests apart: `filled~a1b2`.
 *   filled   a customer with USD, a custom unit (CREDITS) and a negative balance (TOKENS), usage, transactions
 *   empty    nothing yet
 *   failing  the session loads, every data call answers 500
 *   used     the link was already used: the exchange answers 401
 *   expiring the session loads, every other call answers 401 until a fresh link is exchanged
 *   xss      platform strings carry markup: `<img src=x onerror=alert(1)>`
 *   slow     like filled, but every data call takes 1.5 s
 *   limited  the platform turned spend history and auto top-up off
 *   rtl      like filled, with the session's locale `ar`
 * Test-only control endpoints live under `/__fixture/` (emit a stream event, drop streams, read logs).
 */

import { Buffer } from 'node:buffer';
import { setInterval, clearInterval, setTimeout } from 'node:timers';
import { URLSearchParams } from 'node:url';

const XSS = '<img src=x onerror=alert(1)>';
const DAY = 24 * 60 * 60 * 1000;
const problem = (status, title, detail, type = 'about:blank') => ({ type, title, status, detail });

const USD = { code: 'USD', name: 'US Dollar', symbol: '$', label: null, precision: 2, fiat: true, rate: '1' };
const CREDITS = { code: 'CREDITS', name: 'Credits', symbol: '✦', label: 'credits', precision: 0, fiat: false, rate: '0.01' };
const TOKENS = { code: 'TOKENS', name: 'GPU tokens', symbol: null, label: 'tokens', precision: 4, fiat: false, rate: '0.125' };

function session(scenario) {
  const name = scenario === 'xss' ? `Acme ${XSS}` : 'Acme AI';
  return {
    customer: { id: 'cust_01HZX', name: 'Ada Lovelace', email: 'ada@example.com' },
    platform: {
      name,
      branding: { name, logo_url: null, primary_color: '#0f766e', accent_color: null, font_family: null },
      urls: {
        support_url: 'https://acme.example/support',
        terms_url: scenario === 'xss' ? 'javascript:alert(1)' : 'https://acme.example/terms',
        product_url: 'https://acme.example',
      },
    },
    return_url: 'https://acme.example/account',
    features: {
      top_up: true,
      auto_top_up: scenario !== 'limited',
      spend_history: scenario !== 'limited',
      usage_history: true,
      transactions: true,
    },
    locale: scenario === 'rtl' ? 'ar' : 'en-US',
    currency: 'USD',
    expires_at: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
  };
}

function wallet(scenario) {
  if (scenario === 'empty') return { accounts: [], spent_this_month: { currency: 'USD', amount: '0' } };
  return {
    accounts: [
      account('default:USD', USD, '42.5', '42.5', '17.25'),
      account('default:CREDITS', CREDITS, '1250', '12.5', '8000'),
      account('default:TOKENS', TOKENS, '-3.5', '-0.4375', '12.125'),
    ],
    spent_this_month: { currency: 'USD', amount: '98.3625' },
  };
}

function account(id, asset, available, fiat_value, spent_this_month) {
  return { id, asset, available, fiat_value, fiat_currency: 'USD', spent_this_month, pending_in: '0' };
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

function spend(scenario, query) {
  const interval = query.get('interval') ?? 'day';
  if (scenario === 'empty') return { currency: 'USD', series: [] };
  const count = interval === 'day' ? 30 : 12;
  const periods = Array.from({ length: count }, (_, i) => {
    const back = count - 1 - i;
    if (interval === 'month') {
      const d = new Date();
      d.setUTCDate(1);
      d.setUTCMonth(d.getUTCMonth() - back);
      return isoDay(d).slice(0, 7);
    }
    return isoDay(new Date(Date.now() - back * (interval === 'week' ? 7 : 1) * DAY));
  });
  const usd = periods.map((period, i) => {
    const amount = `${(i % 7) + 1}.25`;
    return { period, amount, fiat_amount: amount };
  });
  const credits = periods.map((period, i) => ({
    period,
    amount: String((i % 5) * 100),
    fiat_amount: `${(i % 5) * 1}`,
  }));
  const asset = query.get('asset');
  const series = [
    { asset: 'USD', points: usd },
    { asset: 'CREDITS', points: credits },
  ];
  return { currency: 'USD', series: asset ? series.filter((s) => s.asset === asset) : series };
}

const PRODUCTS = [
  { code: 'chat', name: 'Chat completions', fee: '$1.25 per 1,000,000 input_tokens' },
  { code: 'image', name: 'Image generation', fee: '$0.50 per event' },
  { code: 'gpu', name: 'GPU minutes', fee: '10 credits per minute' },
];

function usageItems(scenario) {
  if (scenario === 'empty') return [];
  return Array.from({ length: 30 }, (_, i) => {
    const product = PRODUCTS[i % PRODUCTS.length];
    const credits = product.code === 'gpu';
    return {
      id: `evt_${String(i + 1).padStart(3, '0')}`,
      occurred_at: new Date(Date.parse('2025-11-20T12:00:00Z') - i * 3600_000).toISOString(),
      product: { code: product.code, name: product.name },
      subject: scenario === 'xss' && i === 0 ? XSS : i % 4 === 3 ? null : `project-${['alpha', 'beta', 'gamma'][i % 3]}`,
      description: scenario === 'xss' && i === 0 ? XSS : i % 2 === 0 ? `Request ${i + 1} from the ${product.name} API` : null,
      fee_description: product.fee,
      amount: credits ? '30' : i === 1 ? '0.00000125' : '0.5',
      asset: credits ? 'CREDITS' : 'USD',
      fiat_amount: credits ? '0.3' : i === 1 ? '0.00000125' : '0.5',
    };
  });
}

const CATEGORIES = ['top_up', 'usage', 'auto_top_up', 'fee', 'refund', 'gift', 'adjustment'];

function transactions(scenario) {
  if (scenario === 'empty') return [];
  let balance = 1000;
  return Array.from({ length: 60 }, (_, i) => {
    const category = CATEGORIES[i % CATEGORIES.length];
    const asset = i % 3 === 2 ? 'CREDITS' : 'USD';
    const cents = category === 'usage' || category === 'fee' ? -250 : 1000;
    const amount = (cents / 100).toFixed(2);
    balance += cents;
    const created = new Date(Date.now() - i * 2 * DAY);
    return {
      id: `txn_${String(i + 1).padStart(3, '0')}`,
      created_at: created.toISOString(),
      category,
      description: scenario === 'xss' && i === 0 ? XSS : `${category.replace(/_/g, ' ')} #${i + 1}`,
      amount,
      asset,
      balance_after: (balance / 100).toFixed(2),
      receipt_url: category === 'top_up' || category === 'auto_top_up' ? `https://pay.example/receipts/rcpt_${i + 1}` : null,
    };
  });
}

function autoTopUps(scenario) {
  if (scenario === 'empty') return [];
  return [
    {
      asset: 'USD',
      enabled: true,
      threshold: '10',
      amount: '50',
      payment_method: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 },
      status: 'failed',
      last_error: { code: 'card_declined', message: 'Your card was declined.', at: '2025-11-19T08:30:00.000Z' },
    },
    {
      asset: 'CREDITS',
      enabled: false,
      threshold: '100',
      amount: '1000',
      payment_method: null,
      status: 'needs_payment_method',
      last_error: null,
      setup_url: 'https://pay.example/setup/seti_123',
    },
  ];
}

function page(items, query, defaultLimit) {
  const limit = Math.min(Number(query.get('limit') ?? defaultLimit), 200);
  const start = Number(query.get('cursor')?.replace(/^c/, '') ?? 0);
  const slice = items.slice(start, start + limit);
  const next = start + limit < items.length ? `c${start + limit}` : null;
  return { items: slice, next_cursor: next };
}

function filterTransactions(items, query) {
  const month = query.get('month');
  const asset = query.get('asset');
  const category = query.get('category');
  return items.filter(
    (t) => (!month || t.created_at.startsWith(month)) && (!asset || t.asset === asset) && (!category || t.category === category),
  );
}

function csv(items) {
  const quote = (v) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  const header = 'id,created_at,category,description,amount,asset,balance_after';
  const rows = items.map((t) => [t.id, t.created_at, t.category, t.description, t.amount, t.asset, t.balance_after].map(quote).join(','));
  return [header, ...rows].join('\n') + '\n';
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

export function fixtureApi() {
  /** access token → { link, scenario, generation } */
  const tokens = new Map();
  /** link tokens already exchanged: a link signs in once. */
  const usedLinks = new Set();
  /** open streams: { link, res } */
  const streams = new Set();
  const streamLog = [];
  const topUps = new Map();
  const autoSettings = new Map();
  const autoUpdates = [];
  const requestLog = [];
  let counter = 0;

  const scenarioOf = (link) => link.split('~')[0];

  function send(ctx, status, body, type = 'application/json') {
    ctx.status = status;
    ctx.set('content-type', status >= 400 ? 'application/problem+json' : type);
    ctx.set('cache-control', 'no-store');
    ctx.body = typeof body === 'string' ? body : JSON.stringify(body);
  }

  function authenticate(ctx) {
    const header = ctx.get('authorization');
    if (header.startsWith('Bearer ')) return tokens.get(header.slice(7)) ?? null;
    const cookie = /(?:^|;\s*)credyt_portal=([^;]+)/.exec(ctx.get('cookie'))?.[1];
    return cookie ? { link: cookie, scenario: scenarioOf(cookie), generation: 1 } : null;
  }

  function writeEvent(res, { event, data, id }) {
    res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  return async function portalFixture(ctx, next) {
    const path = ctx.path;
    if (!path.startsWith('/portal/api/') && !path.startsWith('/__fixture/')) return next();
    const query = ctx.query ? new URLSearchParams(ctx.querystring) : new URLSearchParams();

    // Test controls.
    if (path === '/__fixture/emit') {
      const { link, event, data, id } = await readJson(ctx.req);
      let delivered = 0;
      for (const stream of streams) {
        if (stream.link === link) {
          writeEvent(stream.res, { event, data, id });
          delivered += 1;
        }
      }
      return send(ctx, 200, { delivered });
    }
    if (path === '/__fixture/drop') {
      const { link } = await readJson(ctx.req);
      for (const stream of [...streams]) {
        if (stream.link === link) {
          stream.res.destroy();
          streams.delete(stream);
        }
      }
      return send(ctx, 200, { ok: true });
    }
    if (path === '/__fixture/log') {
      const link = query.get('link');
      return send(ctx, 200, {
        streams: streamLog.filter((s) => s.link === link),
        requests: requestLog.filter((r) => r.link === link),
        topUps: [...topUps.values()].filter((t) => t.link === link),
        autoUpdates: autoUpdates.filter((u) => u.link === link),
      });
    }
    if (path === '/__fixture/checkout') return send(ctx, 200, '<!doctype html><title>Checkout</title>', 'text/html');

    // Portal API.
    if (path === '/portal/api/session' && ctx.method === 'POST') {
      const { token } = await readJson(ctx.req);
      const scenario = scenarioOf(token ?? '');
      if (!token || scenario === 'used' || usedLinks.has(token)) {
        return send(ctx, 401, problem(401, 'Unauthorized', 'This link has expired or was already used.'));
      }
      usedLinks.add(token);
      counter += 1;
      const accessToken = `at_${counter}_${token}`;
      tokens.set(accessToken, { link: token, scenario, generation: counter });
      return send(ctx, 200, { access_token: accessToken, expires_at: new Date(Date.now() + 3600_000).toISOString() });
    }

    const auth = authenticate(ctx);
    if (!auth) return send(ctx, 401, problem(401, 'Unauthorized', 'The session has expired.'));
    const { scenario, link } = auth;
    requestLog.push({ link, method: ctx.method, path, query: ctx.querystring });

    if (path === '/portal/api/session' && ctx.method === 'GET') return send(ctx, 200, session(scenario));
    if (scenario === 'expiring') return send(ctx, 401, problem(401, 'Unauthorized', 'The session has expired.'));
    if (scenario === 'failing' && path !== '/portal/api/stream') {
      return send(ctx, 500, problem(500, 'Internal Server Error', 'Something broke on our side.'));
    }
    if (scenario === 'slow') await new Promise((resolve) => setTimeout(resolve, 1500));

    if (path === '/portal/api/wallet') return send(ctx, 200, wallet(scenario));
    if (path === '/portal/api/spend') return send(ctx, 200, spend(scenario, query));
    if (path === '/portal/api/usage') return send(ctx, 200, page(usageItems(scenario), query, 25));
    if (path === '/portal/api/transactions') {
      const items = filterTransactions(transactions(scenario), query);
      if (query.get('format') === 'csv') return send(ctx, 200, csv(items), 'text/csv; charset=utf-8');
      return send(ctx, 200, page(items, query, 50));
    }
    if (path === '/portal/api/auto-top-up' && ctx.method === 'GET') {
      return send(
        ctx,
        200,
        autoTopUps(scenario).map((s) => autoSettings.get(`${link}:${s.asset}`) ?? s),
      );
    }
    const autoMatch = /^\/portal\/api\/auto-top-up\/([^/]+)$/.exec(path);
    if (autoMatch && ctx.method === 'PUT') {
      const asset = decodeURIComponent(autoMatch[1]);
      const current = autoSettings.get(`${link}:${asset}`) ?? autoTopUps(scenario).find((s) => s.asset === asset);
      if (!current) return send(ctx, 404, problem(404, 'Not Found', `No auto top-up for ${asset}.`));
      const body = await readJson(ctx.req);
      const updated = { ...current, enabled: body.enabled, threshold: String(body.threshold), amount: String(body.amount) };
      delete updated.setup_url;
      autoSettings.set(`${link}:${asset}`, updated);
      autoUpdates.push({ link, asset, body });
      // As the BFF: the setting, plus where to save a card when one is needed first.
      if (body.enabled && !current.payment_method) {
        return send(ctx, 200, { ...updated, status: 'needs_payment_method', setup_url: `https://pay.example/setup/${asset}` });
      }
      return send(ctx, 200, updated);
    }
    if (path === '/portal/api/top-ups' && ctx.method === 'POST') {
      const body = await readJson(ctx.req);
      const key = `${link}:${body.idempotency_key}`;
      if (!topUps.has(key)) {
        topUps.set(key, {
          link,
          id: `top_${topUps.size + 1}`,
          asset: body.asset,
          amount: String(body.amount),
          return_url: body.return_url ?? null,
        });
      }
      const topUp = topUps.get(key);
      return send(ctx, 201, { id: topUp.id, redirect_url: `${ctx.origin}/__fixture/checkout?top_up=${topUp.id}` });
    }
    const topUpMatch = /^\/portal\/api\/top-ups\/([^/]+)$/.exec(path);
    if (topUpMatch && ctx.method === 'GET') {
      const id = decodeURIComponent(topUpMatch[1]);
      const paid = id.endsWith('paid');
      return send(ctx, 200, {
        id,
        status: paid ? 'succeeded' : 'pending',
        asset: 'USD',
        amount: '25',
        receipt_url: paid ? `https://pay.example/receipts/${id}` : null,
      });
    }
    if (path === '/portal/api/stream') {
      streamLog.push({ link, lastEventId: ctx.get('last-event-id') || null });
      ctx.respond = false;
      const res = ctx.res;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      const stream = { link, res };
      streams.add(stream);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000);
      res.on('close', () => {
        clearInterval(heartbeat);
        streams.delete(stream);
      });
      return;
    }
    return send(ctx, 404, problem(404, 'Not Found', `No route for ${ctx.method} ${path}.`));
  };
}
