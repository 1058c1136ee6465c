import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import postgres from 'postgres';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../widget/test/chromium.mjs';
import { CHAT_PRODUCT, freshDatabase, line, percentile, startBff, type BffProcess } from './lib.ts';

const KEY = 'bench_key_widget_0123456789abcdef';
const WIDGET = fileURLToPath(new URL('../../widget/', import.meta.url));
const DIST = `${WIDGET}dist/`;
const LOADS = Number(process.env.BENCH_WIDGET_LOADS ?? 20);
const FILTER_CHANGES = 20;
const HISTORY = 1000;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const gzipSize = (code: string | Uint8Array) => gzipSync(code, { level: 9 }).length;
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/**
 * Bundles `source` (an ES module importing the widget's own dependencies) the way the widget is built: minified ES,
 * everything inlined. The baselines of the size figures are built in the same run, from the same installed packages.
 */
async function bundledGzip(source: string): Promise<number> {
  const entry = '\0bench-entry';
  const output = (await build({
    configFile: false,
    root: WIDGET,
    logLevel: 'silent',
    plugins: [
      {
        name: 'bench-entry',
        resolveId: (id) => (id === 'bench-entry' ? entry : null),
        load: (id) => (id === entry ? source : null),
      },
    ],
    build: {
      write: false,
      target: 'es2022',
      minify: true,
      rolldownOptions: { input: 'bench-entry', output: { format: 'es', minify: true } },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  const outputs = Array.isArray(output) ? output : [output];
  const chunks = outputs.flatMap((o) => o.output).filter((c): c is Rolldown.OutputChunk => c.type === 'chunk');
  return chunks.reduce((sum, chunk) => sum + gzipSize(chunk.code), 0);
}

async function sizes() {
  if (!existsSync(`${DIST}credyt-billing-portal.js`)) {
    execFileSync('pnpm', ['--filter', '@credyt/widget', 'build'], { stdio: 'inherit', cwd: `${WIDGET}..` });
  }
  // What the first paint needs: the entry and the chunks it imports statically (not the lazy ones).
  const entry = readFileSync(`${DIST}credyt-billing-portal.js`, 'utf8');
  const staticChunks = [...entry.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)].map((m) => m[1]!);
  const initial = gzipSize(entry) + staticChunks.reduce((sum, file) => sum + gzipSize(readFileSync(`${DIST}${file}`)), 0);
  const chartFile = readdirSync(DIST).find((f) => /^spend-chart-.*\.js$/.test(f));
  if (!chartFile) throw new Error('widget/dist has no spend-chart chunk');
  const chart = gzipSize(readFileSync(`${DIST}${chartFile}`));
  const lit = await bundledGzip(`export * from 'lit';`);
  // What the chart chunk registers, alone: Chart.js's own floor for this chart.
  const chartJs = await bundledGzip(
    `import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
     Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
     export { Chart };`,
  );
  console.log('\n== widget: bundle size (gzip -9; baselines bundled in this run) ==');
  line('baseline: lit alone (export * from "lit")', kb(lit));
  line('baseline: Chart.js bar + scales + tooltip + legend alone', kb(chartJs));
  line(
    `initial module credyt-billing-portal.js${staticChunks.map((f) => ` + ${f}`).join('')} (target <= 30 KB)`,
    kb(initial),
    `x${(initial / lit).toFixed(1)} lit`,
  );
  const lazy = readdirSync(DIST).find((f) => /^lazy-.*\.js$/.test(f));
  if (lazy) line(`lazy sections chunk ${lazy} (after the first balances)`, kb(gzipSize(readFileSync(`${DIST}${lazy}`))));
  line(
    `lazy chart chunk ${chartFile} (target <= 70 KB)`,
    kb(chart),
    `x${(chart / lit).toFixed(1)} lit, x${(chart / chartJs).toFixed(2)} its Chart.js`,
  );
}

async function api<T>(bff: BffProcess, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${bff.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-credyt-api-key': KEY },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The host pages: a bare one (the paint baseline) and one with the portal, whose link token comes in the query. */
function startPages(bffUrl: string) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pages');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    if (url.pathname === '/empty') {
      res.end('<!doctype html><title>empty</title><div style="width:320px;height:80px;background:#4f46e5"></div>');
      return;
    }
    const token = (url.searchParams.get('token') ?? '').replace(/[^\w-]/g, '');
    const sections = (url.searchParams.get('sections') ?? '').replace(/[^\w,]/g, '');
    res.end(`<!doctype html><title>portal</title>
<script>
  // Resolves at the first animation frame that shows a balance in the shadow DOM: that frame paints it.
  window.firstBalance = new Promise((resolve) => {
    const check = () => {
      const wallet = document.querySelector('credyt-billing-portal')?.shadowRoot?.querySelector('credyt-portal-wallet');
      if (wallet?.shadowRoot?.querySelector('[part="balance"]')?.textContent.includes('$')) resolve(performance.now());
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
</script>
<script type="module" src="${bffUrl}/widget/credyt-billing-portal.js"></script>
<credyt-billing-portal api-base="${bffUrl}" token="${token}"${sections ? ` sections="${sections}"` : ''}></credyt-billing-portal>`);
  });
  return new Promise<{ url: string; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }),
    ),
  );
}

/**
 * A fresh context (a cold cache, as a first visit). tsx compiles this file with esbuild's keepNames, which wraps
 * functions in `__name(…)`: functions passed to `page.evaluate` need it in the page too.
 */
async function freshPage(browser: Browser) {
  const context = await browser.newContext();
  await context.addInitScript('window.__name = (fn) => fn;');
  return { context, page: await context.newPage() };
}

async function link(bff: BffProcess, customerId: string): Promise<string> {
  const session = await api<{ token: string }>(bff, 'POST', '/billing-portal/sessions', {
    customer_id: customerId,
    return_url: 'https://platform.example/',
    failure_url: 'https://platform.example/',
  });
  return session.token;
}

/** Each load in a fresh context (a cold cache, as a first visit): navigation start → first paint of a bare page. */
async function emptyPagePaint(browser: Browser, pages: string): Promise<number> {
  const { context, page } = await freshPage(browser);
  const paint = await firstPaintOfEmptyPage(page, pages);
  await context.close();
  return paint;
}

/** Navigation start → first paint of the bare page, in `page`. */
async function firstPaintOfEmptyPage(page: Page, pages: string): Promise<number> {
  await page.goto(`${pages}/empty`);
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const seen = () => performance.getEntriesByName('first-paint')[0]?.startTime;
        const wait = () => (seen() !== undefined ? resolve(seen()!) : requestAnimationFrame(wait));
        wait();
      }),
  );
}

async function portalLoad(browser: Browser, pages: string, token: string) {
  const { context, page } = await freshPage(browser);
  await page.goto(`${pages}/portal?token=${token}`);
  const figures = await page.evaluate(async () => {
    const painted = await (window as unknown as { firstBalance: Promise<number> }).firstBalance;
    const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const script = resources.find((e) => e.name.endsWith('/credyt-billing-portal.js'));
    // The time spent waiting on the portal API: the link exchange, and any session or wallet read before the paint.
    const [exchange, ...sessionReads] = resources.filter((e) => e.name.endsWith('/portal/api/session'));
    const reads = [...sessionReads, ...resources.filter((e) => e.name.endsWith('/portal/api/wallet'))].filter((e) => e.startTime < painted);
    const apiWait = !exchange
      ? NaN
      : exchange.responseEnd -
        exchange.startTime +
        (reads.length > 0 ? Math.max(...reads.map((e) => e.responseEnd)) - Math.min(...reads.map((e) => e.startTime)) : 0);
    const breakdown = {
      download: (script?.responseEnd ?? NaN) - (script?.startTime ?? NaN),
      untilExchange: (exchange?.startTime ?? NaN) - (script?.responseEnd ?? NaN),
      afterData: painted - Math.max(exchange?.responseEnd ?? NaN, ...reads.map((e) => e.responseEnd)),
    };
    return { fromScriptStart: painted - (script?.startTime ?? NaN), fromNavigation: painted, apiWait, breakdown };
  });
  await context.close();
  return figures;
}

async function firstBalances(browser: Browser, bff: BffProcess, pages: string, customerId: string) {
  const empty: number[] = [];
  const fromScript: number[] = [];
  const fromNavigation: number[] = [];
  const apiWait: number[] = [];
  const parts = { download: [] as number[], untilExchange: [] as number[], afterData: [] as number[] };
  for (let i = 0; i < LOADS + 2; i++) {
    const token = await link(bff, customerId);
    const paint = await emptyPagePaint(browser, pages);
    const load = await portalLoad(browser, pages, token);
    if (i < 2) continue; // warm-up: the BFF's first queries, Chromium's first contexts
    empty.push(paint);
    fromScript.push(load.fromScriptStart);
    fromNavigation.push(load.fromNavigation);
    apiWait.push(load.apiWait);
    for (const key of Object.keys(parts) as (keyof typeof parts)[]) parts[key].push(load.breakdown[key]);
  }
  const base = median(empty);
  const script = median(fromScript);
  console.log(`\n== widget: first balances painted, ${LOADS} cold page loads in headless Chromium against a local BFF ==`);
  line('baseline: page with an empty <div>, navigation -> first paint p50', ms(base));
  line('portal: script start -> first balances painted p50 (<= 150 ms)', ms(script), `x${(script / base).toFixed(1)} baseline`);
  line('  of which waiting on the portal API (the exchange answers with session and wallet) p50', ms(median(apiWait)));
  line(
    '  script download / script loaded -> exchange sent / data -> painted, p50',
    [parts.download, parts.untilExchange, parts.afterData].map((v) => ms(median(v))).join(' / '),
  );
  line(
    'portal: navigation -> first balances painted p50',
    ms(median(fromNavigation)),
    `x${(median(fromNavigation) / base).toFixed(1)} baseline`,
  );
}

/** Chrome DevTools' "Fast 3G" preset (its figures, after the 10% it takes off for packet overhead). */
const FAST_3G = { offline: false, latency: 562.5, downloadThroughput: 180_000, uploadThroughput: 84_375 };
const THROTTLED_LOADS = 3;

/** A fresh context whose page goes through the Fast 3G throttle from its first request. */
async function throttledPage(browser: Browser) {
  const { context, page } = await freshPage(browser);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', FAST_3G);
  return { context, page };
}

/**
 * What a page downloads for the first balances, compressed as a browser asks for it (brotli), against the files'
 * own size; then the first balances on a Fast 3G connection against an empty page's first paint on the same one.
 */
async function overTheWire(browser: Browser, bff: BffProcess, pages: string, customerId: string) {
  const entry = readFileSync(`${DIST}credyt-billing-portal.js`, 'utf8');
  const files = ['credyt-billing-portal.js', ...[...entry.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)].map((m) => m[1]!)];
  let raw = 0;
  let sent = 0;
  for (const file of files) {
    const res = await fetch(`${bff.url}/widget/${file}`, { headers: { 'accept-encoding': 'br, gzip' } });
    // fetch decodes the body; the bytes on the wire are the Content-Length of the encoded answer.
    sent += Number(res.headers.get('content-length'));
    raw += (await res.arrayBuffer()).byteLength;
  }
  console.log(`\n== widget: over the wire (what the first balances download, as a browser asks: Accept-Encoding br, gzip) ==`);
  line(
    `initial module, ${files.length} files: bytes transferred (brotli)`,
    kb(sent),
    `x${(sent / raw).toFixed(2)} of ${kb(raw)} uncompressed`,
  );

  const empty: number[] = [];
  const portal: number[] = [];
  for (let i = 0; i < THROTTLED_LOADS; i++) {
    {
      const { context, page } = await throttledPage(browser);
      empty.push(await firstPaintOfEmptyPage(page, pages));
      await context.close();
    }
    const token = await link(bff, customerId);
    const { context, page } = await throttledPage(browser);
    await page.goto(`${pages}/portal?token=${token}`);
    portal.push(await page.evaluate(() => (window as unknown as { firstBalance: Promise<number> }).firstBalance));
    await context.close();
  }
  const base = median(empty);
  const value = median(portal);
  line(
    `baseline: empty page on Fast 3G (${FAST_3G.latency} ms, ${FAST_3G.downloadThroughput / 1000} KB/s), navigation -> first paint p50`,
    ms(base),
  );
  line('portal on Fast 3G: navigation -> first balances painted p50', ms(value), `x${(value / base).toFixed(1)} baseline`);
}

/**
 * Before any page script: the cumulative layout shift (session windows, as Lighthouse and CrUX count it) and the
 * first animation frame showing a balance, on any page (the host page, or the hosted portal after sign-in).
 */
const OBSERVE = `
  window.__cls = 0;
  let windowValue = 0, first = 0, last = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      if (windowValue && e.startTime - last < 1000 && e.startTime - first < 5000) windowValue += e.value;
      else { windowValue = e.value; first = e.startTime; }
      last = e.startTime;
      window.__cls = Math.max(window.__cls, windowValue);
    }
  }).observe({ type: 'layout-shift', buffered: true });
  window.__firstBalance = new Promise((resolve) => {
    const check = () => {
      const wallet = document.querySelector('credyt-billing-portal')?.shadowRoot?.querySelector('credyt-portal-wallet');
      if (wallet?.shadowRoot?.querySelector('[part~="balance"]')?.textContent.includes('$')) resolve(performance.now());
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
`;

/** Every section past its skeleton (no aria-busy left in any shadow root), then a second for late shifts. */
const SETTLED = `new Promise((resolve) => {
  const busy = (root) => !!root && (!!root.querySelector('[aria-busy="true"]') || [...root.querySelectorAll('*')].some((el) => el.shadowRoot && busy(el.shadowRoot)));
  const wait = () => {
    const host = document.querySelector('credyt-billing-portal');
    if (host?.shadowRoot?.querySelector('.sections') && !busy(host.shadowRoot)) setTimeout(resolve, 1000);
    else setTimeout(wait, 50);
  };
  wait();
})`;

/** The whole portal, loaded cold at `width`: its layout shift until settled, and navigation → first balances. */
/**
 * The whole portal at `width`: a first visit (a fresh context), then, when `again` gives a second URL, a return
 * visit in the same context (the skeleton remembers the wallet's cards there). CLS until settled, and navigation
 * → first balances of the first visit (on the hosted page navigation starts at the portal page, after sign-in).
 */
async function fullLoad(browser: Browser, url: string, width: number, again?: string) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  await context.addInitScript(OBSERVE);
  const page = await context.newPage();
  const visit = async (to: string) => {
    await page.goto(to);
    const painted = (await page.evaluate('window.__firstBalance')) as number;
    await page.evaluate(SETTLED);
    return { painted, cls: (await page.evaluate('window.__cls')) as number };
  };
  const first = await visit(url);
  const returning = again ? (await visit(again)).cls : NaN;
  await context.close();
  return { ...first, returning };
}

async function layoutShift(browser: Browser, bff: BffProcess, pages: string, customerId: string, resetLimits: () => Promise<void>) {
  const loads = Math.max(3, Math.round(LOADS / 4));
  console.log(`\n== widget: layout shift (CLS, session windows) loading the whole portal cold, ${loads} loads each ==`);
  const empty: number[] = [];
  for (let i = 0; i < loads; i++) empty.push(await emptyPagePaint(browser, pages));
  const base = median(empty);
  line('baseline: page with an empty <div>, navigation -> first paint p50', ms(base));
  for (const width of [320, 390, 1280]) {
    await resetLimits();
    const host: Awaited<ReturnType<typeof fullLoad>>[] = [];
    const hosted: Awaited<ReturnType<typeof fullLoad>>[] = [];
    for (let i = 0; i < loads; i++) {
      host.push(
        await fullLoad(
          browser,
          `${pages}/portal?token=${await link(bff, customerId)}`,
          width,
          `${pages}/portal?token=${await link(bff, customerId)}`,
        ),
      );
      const session = await api<{ redirect_url: string }>(bff, 'POST', '/billing-portal/sessions', {
        customer_id: customerId,
        return_url: 'https://platform.example/',
        failure_url: 'https://platform.example/',
      });
      hosted.push(await fullLoad(browser, session.redirect_url, width));
    }
    for (const [name, runs] of [
      ['host page', host],
      ['hosted page', hosted],
    ] as const) {
      const cls = Math.max(...runs.map((r) => r.cls));
      const paint = median(runs.map((r) => r.painted));
      line(`${name} at ${width} px: CLS worst of ${loads}, first visit (target <= 0.02)`, cls.toFixed(3));
      const returning = runs.map((r) => r.returning).filter((v) => !Number.isNaN(v));
      if (returning.length > 0) line(`${name} at ${width} px: CLS worst of ${loads}, return visit`, Math.max(...returning).toFixed(3));
      line(
        `${name} at ${width} px: navigation -> first balances p50 (target <= 2.5x)`,
        ms(paint),
        `x${(paint / base).toFixed(1)} baseline`,
      );
    }
  }
}

async function filterChanges(browser: Browser, bff: BffProcess, pages: string, customerId: string) {
  const { context, page } = await freshPage(browser);
  await page.goto(`${pages}/portal?token=${await link(bff, customerId)}&sections=transactions`);
  const shown = await page.evaluate(async () => {
    const portal = document.querySelector('credyt-billing-portal')!;
    // Every entry, one row each (the default groups usage per day and product).
    for (;;) {
      const view = portal.shadowRoot
        ?.querySelector('credyt-portal-transactions')
        ?.shadowRoot?.querySelector<HTMLSelectElement>('select[name="view"]');
      if (view) {
        view.value = 'entries';
        view.dispatchEvent(new Event('change'));
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    for (;;) {
      const rows = portal.shadowRoot?.querySelector('credyt-portal-transactions')?.shadowRoot?.querySelectorAll('tbody tr');
      if (rows && rows.length > 0) return rows.length;
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  const repaint: number[] = [];
  const fetchOnly: number[] = [];
  for (let i = 0; i < FILTER_CHANGES + 2; i++) {
    const [category, label] = i % 2 === 0 ? ['gift', 'Gift'] : ['usage', 'Usage'];
    const figures = await page.evaluate(
      async ({ category, label }) => {
        const portal = document.querySelector('credyt-billing-portal') as unknown as HTMLElement & {
          client: { url: (p: string, q: object) => string; authHeaders: () => Record<string, string> };
        };
        const section = portal.shadowRoot!.querySelector('credyt-portal-transactions')!.shadowRoot!;
        const select = section.querySelector<HTMLSelectElement>('select[name="category"]')!;
        const shows = () => {
          const cells = [...section.querySelectorAll('tbody .category')];
          return cells.length > 0 && cells.every((c) => c.textContent === label);
        };
        // Change → the frame that paints the new rows: a MutationObserver sees the DOM change, the next frame paints it.
        const start = performance.now();
        const painted = new Promise<number>((resolve) => {
          const observer = new MutationObserver(() => {
            if (!shows()) return;
            observer.disconnect();
            requestAnimationFrame(() => resolve(performance.now()));
          });
          observer.observe(section, { subtree: true, childList: true, characterData: true });
        });
        select.value = category;
        select.dispatchEvent(new Event('change'));
        const repaint = (await painted) - start;
        // The network floor: the same request the section makes, fetched and parsed alone.
        const t0 = performance.now();
        const res = await fetch(portal.client.url('/transactions', { category, view: 'entries', limit: 20 }), {
          headers: portal.client.authHeaders(),
        });
        await res.json();
        return { repaint, fetchOnly: performance.now() - t0 };
      },
      { category, label },
    );
    if (i < 2) continue;
    repaint.push(figures.repaint);
    fetchOnly.push(figures.fetchOnly);
  }
  await context.close();
  const base = median(fetchOnly);
  const value = median(repaint);
  console.log(`\n== widget: transactions filter change, customer with ${HISTORY} transactions (the list pages ${shown} at a time) ==`);
  line('baseline: the same filtered page fetched + parsed alone p50', ms(base));
  line('filter change -> new rows painted p50 (<= 50 ms)', ms(value), `x${(value / base).toFixed(1)} baseline`);
}

export async function benchWidget() {
  await sizes();
  const url = await freshDatabase('credyt_bench_widget');
  const bff = await startBff({ DATABASE_URL: url, BOOTSTRAP_API_KEY: KEY, PUBLIC_URL: 'http://127.0.0.1:18789' }, 18789);
  // Every load here exchanges a link from one address: the bench clears the per-IP counters between its phases.
  const counters = postgres(url, { max: 1, onnotice: () => {} });
  const resetLimits = async () => void (await counters`delete from rate_limits`);
  const pages = await startPages(bff.url);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
  try {
    await api(bff, 'PUT', '/billing-portal/configuration', { allowed_origins: [pages.url] });
    await api(bff, 'POST', '/products', CHAT_PRODUCT);
    const customer = (name: string) =>
      api<{ id: string }>(bff, 'POST', '/customers', { name, external_id: name, subscriptions: [{ products: [{ code: 'chat' }] }] });
    const adjust = (id: string, n: number, reason: string) =>
      api(bff, 'POST', `/customers/${id}/wallet/adjustments`, {
        transaction_id: `bench-${id}-${n}`,
        asset: 'USD',
        amount: '25',
        reason,
        description: `Bench ${reason} ${n}`,
      });

    const first = await customer('first-paint');
    await adjust(first.id, 0, 'external_topup');
    await firstBalances(browser, bff, pages.url, first.id);
    await overTheWire(browser, bff, pages.url, first.id);
    await layoutShift(browser, bff, pages.url, first.id, resetLimits);
    await resetLimits();

    // 1,000 transactions through the platform API: 50 gifts, then usage events in batches of 250.
    const history = await customer('history');
    for (let n = 0; n < 50; n++) await adjust(history.id, n, 'gift');
    const usage = HISTORY - 50;
    for (let offset = 0; offset < usage; offset += 250) {
      const count = Math.min(250, usage - offset);
      await api(bff, 'POST', '/events', {
        customer_id: history.id,
        events: Array.from({ length: count }, (_, i) => ({
          id: `bench-evt-${offset + i}`,
          event_type: 'msg',
          occurred_at: new Date(Date.now() - (offset + i) * 60_000).toISOString(),
          subject: `thread-${(offset + i) % 10}`,
        })),
      });
    }
    await filterChanges(browser, bff, pages.url, history.id);
  } finally {
    await browser.close();
    pages.close();
    await counters.end();
    await bff.stop();
  }
}
