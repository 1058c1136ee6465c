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
 *   nocard   like filled, but no card saved for automatic top-up (until `/__fixture/save-card`)
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
    top_up_limits: { currency: 'USD', minimum: '5', maximum: '10000' },
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

/** Exact sum of two decimal strings (BigInt at 18 places), for the live usage added to the spend fixture. */
function addExact(a, b) {
  const scaled = (v) => {
    const [whole, fraction = ''] = v.replace('-', '').split('.');
    const units = BigInt(whole + fraction.padEnd(18, '0').slice(0, 18));
    return v.startsWith('-') ? -units : units;
  };
  const total = scaled(a) + scaled(b);
  const digits = (total < 0n ? -total : total).toString().padStart(19, '0');
  const fraction = digits.slice(-18).replace(/0+$/, '');
  return `${total < 0n ? '-' : ''}${digits.slice(0, -18)}${fraction ? `.${fraction}` : ''}`;
}

/** The spend period (in UTC) an instant falls in: what the live usage added to the fixture's spend lands on. */
function periodOf(iso, interval) {
  if (interval === 'hour') return `${iso.slice(0, 13)}:00+00:00`;
  if (interval === 'month') return iso.slice(0, 7);
  return iso.slice(0, 10);
}

/** `live`: usage.created events emitted to this link, added to their period, as the BFF's rollup would. */
function spend(scenario, query, live = []) {
  const interval = query.get('interval') ?? 'day';
  if (scenario === 'empty') return { currency: 'USD', series: [] };
  const [from, to] = [query.get('from'), query.get('to')];
  const days = from && to ? Math.round((Date.parse(to) - Date.parse(from)) / DAY) + 1 : 30;
  const count = interval === 'day' ? days : interval === 'hour' ? 48 : 12;
  const periods = Array.from({ length: count }, (_, i) => {
    const back = count - 1 - i;
    if (interval === 'hour') {
      // Yesterday and today, hour by hour (in UTC, as the tests run), as the BFF answers by default.
      const start = Date.parse(`${isoDay(new Date(Date.now() - DAY))}T00:00:00Z`);
      return periodOf(new Date(start + i * 3600_000).toISOString(), 'hour');
    }
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
  for (const item of live) {
    const point = series.find((s) => s.asset === item.asset)?.points.find((p) => p.period === periodOf(item.occurred_at, interval));
    if (!point) continue;
    point.amount = addExact(point.amount, item.amount);
    point.fiat_amount = addExact(point.fiat_amount, item.fiat_amount ?? '0');
  }
  return { currency: 'USD', series: asset ? series.filter((s) => s.asset === asset) : series };
}

const PRODUCTS = [
  { code: 'chat', name: 'Chat completions' },
  { code: 'image', name: 'Image generation' },
  { code: 'gpu', name: 'GPU minutes' },
];

/** `units` × 10^-scale as the BFF writes decimals: no trailing zeros. */
function dec(units, scale) {
  const negative = units < 0;
  const digits = String(Math.abs(units)).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative && units !== 0 ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

function fee(id, product, price_name, fee_description, rate, amount, asset, fiat_amount) {
  return { id, product, price_name, fee_description, rate, amount, asset, fiat_amount };
}

/** Noon UTC yesterday: the newest usage event (recent, so the transactions' month filter reaches it). */
export function usageStart() {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1, 12);
}

/**
 * Usage events, hourly back from noon UTC yesterday: a chat completion (two fees, billed on its tokens), an image
 * (one fee; the second costs a fraction of a cent) and GPU minutes in credits (a price the platform described).
 */
function usageItems(scenario) {
  if (scenario === 'empty') return [];
  return Array.from({ length: 30 }, (_, i) => {
    const product = PRODUCTS[i % PRODUCTS.length];
    const ref = { code: product.code, name: product.name };
    const id = `evt_${String(i + 1).padStart(3, '0')}`;
    let fees;
    let quantities = [];
    if (product.code === 'chat') {
      const input = 1234 + i;
      quantities = [
        { unit: 'input_tokens', quantity: String(input) },
        { unit: 'output_tokens', quantity: '567' },
      ];
      const a = dec(input * 25, 7);
      fees = [
        fee(
          `${id}_in`,
          ref,
          'Input tokens',
          '$2.50 per 1M input tokens',
          { amount: '2.5', per: '1000000', unit: 'input_tokens' },
          a,
          'USD',
          a,
        ),
        fee(
          `${id}_out`,
          ref,
          'Output tokens',
          '$10.00 per 1M output tokens',
          { amount: '10', per: '1000000', unit: 'output_tokens' },
          '0.00567',
          'USD',
          '0.00567',
        ),
      ];
    } else if (product.code === 'image') {
      const amount = i === 1 ? '0.00000125' : '0.5';
      fees = [
        fee(
          `${id}_img`,
          ref,
          'Per image',
          `$${amount === '0.5' ? '0.50' : amount} per event`,
          { amount, per: '1', unit: null },
          amount,
          'USD',
          amount,
        ),
      ];
    } else {
      fees = [fee(`${id}_gpu`, ref, 'GPU time', '10 credits per minute', null, '30', 'CREDITS', '0.3')];
    }
    const totals = [];
    for (const f of fees) {
      const t = totals.find((x) => x.asset === f.asset);
      if (t) {
        t.amount = dec(Math.round(Number(t.amount) * 1e8) + Math.round(Number(f.amount) * 1e8), 8);
        t.fiat_amount = t.amount;
      } else totals.push({ asset: f.asset, amount: f.amount, fiat_amount: f.fiat_amount });
    }
    return {
      id,
      occurred_at: new Date(usageStart() - i * 3600_000).toISOString(),
      product: ref,
      subject: scenario === 'xss' && i === 0 ? XSS : i % 4 === 3 ? null : `project-${['alpha', 'beta', 'gamma'][i % 3]}`,
      description: scenario === 'xss' && i === 0 ? XSS : i % 2 === 0 ? `Request ${i + 1} from the ${product.name} API` : null,
      fee_description: [...new Set(fees.map((f) => f.fee_description))].join(' · '),
      amount: totals[0].amount,
      asset: totals[0].asset,
      fiat_amount: totals[0].fiat_amount,
      fees,
      quantities,
      totals,
    };
  });
}

/** Usage filtered as the BFF does: local dates (UTC here), product, and only the fees in an asset. */
function filterUsage(items, query) {
  const from = query.get('from');
  const to = query.get('to');
  const product = query.get('product');
  const asset = query.get('asset');
  return items
    .filter(
      (u) =>
        (!from || u.occurred_at.slice(0, 10) >= from) &&
        (!to || u.occurred_at.slice(0, 10) <= to) &&
        (!product || u.product.code === product),
    )
    .map((u) => {
      if (!asset) return u;
      const fees = u.fees.filter((f) => f.asset === asset);
      const totals = u.totals.filter((t) => t.asset === asset);
      return fees.length === 0 ? null : { ...u, fees, totals, amount: totals[0].amount, asset, fiat_amount: totals[0].fiat_amount };
    })
    .filter(Boolean);
}

const CATEGORIES = ['top_up', 'usage', 'auto_top_up', 'fee', 'refund', 'gift', 'adjustment'];

/**
 * Ledger entries, newest first, every two days back from now; usage costs a fraction of a cent (−$0.0042) and
 * happened a day before it was recorded. Each asset's `balance_after` chains exactly, row to row.
 */
function transactions(scenario) {
  if (scenario === 'empty') return [];
  const rows = Array.from({ length: 60 }, (_, i) => {
    const category = CATEGORIES[i % CATEGORIES.length];
    const asset = i % 3 === 2 ? 'CREDITS' : 'USD';
    // Amounts in ten-thousandths.
    const units = category === 'usage' ? (asset === 'USD' ? -42 : -30000) : category === 'fee' ? -25000 : 100000;
    const created = new Date(Date.now() - i * 2 * DAY);
    const product = category === 'usage' ? PRODUCTS[i % PRODUCTS.length] : null;
    return {
      id: `txn_${String(i + 1).padStart(3, '0')}`,
      created_at: created.toISOString(),
      occurred_at: (category === 'usage' ? new Date(created.getTime() - DAY) : created).toISOString(),
      category,
      // Mostly the platform's own words; some what the BFF writes when it is given none, which the portal shows
      // as the category in the reader's language.
      description:
        scenario === 'xss' && i === 0
          ? XSS
          : category === 'auto_top_up'
            ? 'Auto top-up'
            : i === 7
              ? 'US Dollar top-up'
              : `${category.replace(/_/g, ' ')} #${i + 1}`,
      amount: dec(units, 4),
      units,
      asset,
      receipt_url: category === 'top_up' || category === 'auto_top_up' ? `https://pay.example/receipts/rcpt_${i + 1}` : null,
      product: product && { code: product.code, name: product.name },
      group: null,
    };
  });
  const balances = { USD: 100000, CREDITS: 5000000 };
  for (const row of [...rows].reverse()) {
    balances[row.asset] += row.units;
    row.balance_after = dec(balances[row.asset], 4);
  }
  return rows.map(({ units: _units, ...row }) => row);
}

/** The grouped view: the usage events summed per day, product and asset, between the other entries. */
function groupedTransactions(scenario, query) {
  const others = transactions(scenario).filter((t) => t.category !== 'usage');
  const groups = new Map();
  for (const u of usageItems(scenario)) {
    for (const t of u.totals) {
      const day = u.occurred_at.slice(0, 10);
      const key = `usage:${day}:${t.asset}:${u.product.code}`;
      const g = groups.get(key) ?? {
        key,
        day,
        product: u.product,
        asset: t.asset,
        units: 0,
        count: 0,
        first: u.occurred_at,
        last: u.occurred_at,
      };
      g.units += Math.round(Number(t.amount) * 1e8);
      g.count += 1;
      if (u.occurred_at < g.first) g.first = u.occurred_at;
      if (u.occurred_at > g.last) g.last = u.occurred_at;
      groups.set(key, g);
    }
  }
  const rows = [...groups.values()].map((g) => ({
    id: g.key,
    created_at: g.last,
    occurred_at: g.last,
    category: 'usage',
    description: g.product.name,
    amount: dec(-g.units, 8),
    asset: g.asset,
    balance_after: '0',
    receipt_url: null,
    product: g.product,
    group: { day: g.day, count: g.count, first_at: g.first, last_at: g.last },
  }));
  const category = query.get('category');
  return filterTransactions([...others, ...rows], query)
    .filter((t) => !category || t.category === category)
    .sort((a, b) => (a.occurred_at < b.occurred_at ? 1 : -1));
}

/** One card per customer, as the BFF keeps it: every setting shows the same. */
const VISA = { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 };

function autoTopUps(scenario) {
  if (scenario === 'empty') return [];
  if (scenario === 'nocard') {
    const fresh = { enabled: false, threshold: '0', amount: '0', payment_method: null, status: 'idle', last_error: null };
    return [
      { asset: 'USD', ...fresh },
      { asset: 'CREDITS', ...fresh },
    ];
  }
  return [
    {
      asset: 'USD',
      enabled: true,
      threshold: '10',
      amount: '50',
      payment_method: VISA,
      status: 'failed',
      last_error: { code: 'card_declined', message: 'Your card was declined.', at: '2025-11-19T08:30:00.000Z' },
    },
    {
      asset: 'CREDITS',
      enabled: false,
      threshold: '1000',
      amount: '2500',
      payment_method: VISA,
      status: 'idle',
      last_error: null,
    },
  ];
}

/**
 * Amounts that make the payment routes fail as the BFF can: `13` a field error (422) the device cannot foresee,
 * `42` Stripe unavailable (503).
 */
function refusal(amount) {
  if (amount === '13') {
    return [
      422,
      {
        ...problem(422, 'Unprocessable content', 'The request has invalid fields.'),
        errors: [{ path: 'amount', message: 'Top-ups of 13 are not accepted.' }],
      },
    ];
  }
  if (amount === '42') return [503, problem(503, 'Service Unavailable', 'Stripe is unavailable. Nothing was charged; retry in a moment.')];
  return null;
}

function page(items, query, defaultLimit) {
  const limit = Math.min(Number(query.get('limit') ?? defaultLimit), 200);
  const start = Number(query.get('cursor')?.replace(/^c/, '') ?? 0);
  const slice = items.slice(start, start + limit);
  const next = start + limit < items.length ? `c${start + limit}` : null;
  const total = query.get('total') === 'true' ? { total: { count: items.length, more: false } } : {};
  return { items: slice, next_cursor: next, ...total };
}

function filterTransactions(items, query) {
  const month = query.get('month');
  const asset = query.get('asset');
  const category = query.get('category');
  return items.filter(
    (t) => (!month || t.occurred_at.startsWith(month)) && (!asset || t.asset === asset) && (!category || t.category === category),
  );
}

function csv(items) {
  const quote = (v) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  const header = 'id,occurred_at,created_at,category,description,amount,asset,balance_after';
  const rows = items.map((t) =>
    [t.id, t.occurred_at, t.created_at, t.category, t.description, t.amount, t.asset, t.balance_after].map(quote).join(','),
  );
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
  /** Cards saved through `/__fixture/save-card`, by link: the customer's one card, for every setting. */
  const savedCards = new Map();
  const requestLog = [];
  /** usage.created events emitted through /__fixture/emit: the spend answers include them. */
  const liveUsage = [];
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
      if (event === 'usage.created') liveUsage.push({ link, item: data });
      let delivered = 0;
      for (const stream of streams) {
        if (stream.link === link) {
          writeEvent(stream.res, { event, data, id });
          delivered += 1;
        }
      }
      return send(ctx, 200, { delivered });
    }
    if (path === '/__fixture/raw') {
      // Writes the stream's bytes as given, chunk by chunk with a pause between, as a network may split them.
      const { link, chunks } = await readJson(ctx.req);
      const open = [...streams].filter((stream) => stream.link === link);
      for (const chunk of chunks) {
        for (const stream of open) stream.res.write(chunk);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return send(ctx, 200, { delivered: open.length });
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
    if (path === '/__fixture/save-card') {
      const { link } = await readJson(ctx.req);
      savedCards.set(link, { brand: 'mastercard', last4: '4444', exp_month: 3, exp_year: 2031 });
      return send(ctx, 200, { ok: true });
    }

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
    if (path === '/portal/api/spend') {
      const live = liveUsage.filter((u) => u.link === link).map((u) => u.item);
      return send(ctx, 200, spend(scenario, query, live));
    }
    if (path === '/portal/api/usage') return send(ctx, 200, page(filterUsage(usageItems(scenario), query), query, 25));
    if (path === '/portal/api/transactions') {
      const items = filterTransactions(transactions(scenario), query);
      if (query.get('format') === 'csv') return send(ctx, 200, csv(items), 'text/csv; charset=utf-8');
      if (query.get('view') === 'grouped') return send(ctx, 200, page(groupedTransactions(scenario, query), query, 50));
      return send(ctx, 200, page(items, query, 50));
    }
    if (path === '/portal/api/auto-top-up' && ctx.method === 'GET') {
      return send(
        ctx,
        200,
        autoTopUps(scenario).map((s) => {
          const setting = autoSettings.get(`${link}:${s.asset}`) ?? s;
          return savedCards.has(link) ? { ...setting, payment_method: savedCards.get(link) } : setting;
        }),
      );
    }
    const autoMatch = /^\/portal\/api\/auto-top-up\/([^/]+)$/.exec(path);
    if (autoMatch && ctx.method === 'PUT') {
      const asset = decodeURIComponent(autoMatch[1]);
      const current = autoSettings.get(`${link}:${asset}`) ?? autoTopUps(scenario).find((s) => s.asset === asset);
      if (!current) return send(ctx, 404, problem(404, 'Not Found', `No auto top-up for ${asset}.`));
      const body = await readJson(ctx.req);
      const refused = refusal(String(body.amount));
      if (refused) return send(ctx, ...refused);
      const updated = { ...current, enabled: body.enabled, threshold: String(body.threshold), amount: String(body.amount) };
      delete updated.setup_url;
      autoSettings.set(`${link}:${asset}`, updated);
      autoUpdates.push({ link, asset, body });
      // As the BFF: the setting, plus where to save a card when one is needed first.
      if (body.enabled && !current.payment_method && !savedCards.has(link)) {
        return send(ctx, 200, { ...updated, status: 'needs_payment_method', setup_url: `https://pay.example/setup/${asset}` });
      }
      return send(ctx, 200, updated);
    }
    if (path === '/portal/api/auto-top-up/card-setup' && ctx.method === 'POST') {
      const body = await readJson(ctx.req);
      autoUpdates.push({ link, asset: body.asset ?? null, body, cardSetup: true });
      return send(ctx, 200, { setup_url: 'https://pay.example/setup/card' });
    }
    if (path === '/portal/api/top-ups' && ctx.method === 'POST') {
      const body = await readJson(ctx.req);
      const refused = refusal(String(body.amount));
      if (refused) return send(ctx, ...refused);
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
      // `…paid` went through, `…failed` did not, anything else is still pending.
      const paid = id.endsWith('paid');
      return send(ctx, 200, {
        id,
        status: paid ? 'succeeded' : id.endsWith('failed') ? 'failed' : 'pending',
        asset: 'USD',
        amount: '25',
        kind: 'manual',
        fiat_amount: '25',
        currency: 'USD',
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
