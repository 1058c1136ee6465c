import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { accessToken, apiClient, cannon, CHAT_PRODUCT, freshDatabase, line, startBff, type BffProcess } from './lib.ts';
import type { ChildProcess } from 'node:child_process';

/**
 * `pnpm bench cpu`: what one request costs the server, in CPU time (and, with BENCH_CALLGRIND=1, in instructions),
 * rather than in requests per second: the server's CPU per request hardly depends on what else the machine runs,
 * where its throughput moves ±20–30% on a shared 2-core machine. The server reads its own CPU (getrusage of every
 * thread, µs resolution) through a probe loaded into it (cpu-probe.mjs), which also serves a bare `node:http` "ok"
 * in the same process: every figure is divided by that baseline, measured in the same round.
 *
 * BENCH_TREES=/a,/b,… runs each checkout's own server (an A/B across commits) with this script's load and probe,
 * their rounds interleaved, so a shift in the machine hits every tree alike. BENCH_CPU_REQUESTS per route and
 * round, BENCH_CPU_ROUNDS rounds, BENCH_CPU_CONNECTIONS at once (1: every request alone, nothing batched).
 * BENCH_CALLGRIND=1 runs each server under `valgrind --tool=callgrind` and counts instructions instead (~50× slower,
 * so fewer requests): the same on a busy machine as on a quiet one.
 */
const TREES = (process.env.BENCH_TREES ?? '').split(',').filter(Boolean);
const CALLGRIND = process.env.BENCH_CALLGRIND === '1';
const REQUESTS = Number(process.env.BENCH_CPU_REQUESTS ?? (CALLGRIND ? 200 : 3000));
const ROUNDS = Number(process.env.BENCH_CPU_ROUNDS ?? (CALLGRIND ? 2 : 5));
const CONNECTIONS = Number(process.env.BENCH_CPU_CONNECTIONS ?? 1);
const EVENT_CUSTOMERS = 10;
const KEY = 'bench_key_cpu_0123456789abcdef';
const PROBE = fileURLToPath(new URL('./cpu-probe.mjs', import.meta.url));
const CALLGRIND_DIR = '/tmp/credyt-bench-callgrind';
/** Runs side by side on one machine each take a slot of their own: ports and databases apart. */
const SLOT = Number(process.env.BENCH_CPU_SLOT ?? 0);

interface Target {
  name: string;
  bff: BffProcess & { child: ChildProcess };
  probeUrl: string;
  auth: Record<string, string>;
  eventCustomers: string[];
  sent: number;
  /** The server's cost while `work` runs: CPU µs, or instructions under callgrind. */
  during(work: () => Promise<unknown>): Promise<number>;
}

interface Route {
  name: string;
  request(t: Target): { url: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: () => string };
}

const ALL_ROUTES: Route[] = [
  { name: 'baseline: bare node:http "ok", same process', request: (t) => ({ url: `${t.probeUrl}/` }) },
  { name: 'GET /livez', request: (t) => ({ url: `${t.bff.url}/livez` }) },
  { name: 'GET /portal/api/wallet', request: (t) => ({ url: `${t.bff.url}/portal/api/wallet`, headers: t.auth }) },
  {
    name: 'POST /events, a batch of 1',
    request: (t) => ({
      url: `${t.bff.url}/events`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-credyt-api-key': KEY },
      body: () =>
        JSON.stringify({
          customer_id: t.eventCustomers[t.sent % EVENT_CUSTOMERS],
          events: [{ id: `cpu-${t.sent++}`, event_type: 'msg', occurred_at: new Date().toISOString() }],
        }),
    }),
  },
];

/** BENCH_CPU_ROUTES=livez,wallet narrows the routes (by a word of their name); the baseline always runs. */
const ONLY = (process.env.BENCH_CPU_ROUTES ?? '').split(',').filter(Boolean);
const ROUTES = ALL_ROUTES.filter((r, i) => i === 0 || ONLY.length === 0 || ONLY.some((word) => r.name.includes(word)));

/** The server's CPU time in µs, from the probe inside it; after a full collection when `gc`. */
async function cpuOf(child: ChildProcess, message: 'cpu' | 'gc' = 'cpu'): Promise<number> {
  const answer = once(child, 'message');
  child.send(message);
  const [{ cpu }] = (await answer) as [{ cpu: { user: number; system: number } }];
  return cpu.user + cpu.system;
}

/**
 * The main thread's instructions since the last zeroing, as callgrind_control dumps them (one file per thread; the
 * main thread's ends in -01). V8's other threads are left out: their work is mostly the optimizing compiler, which
 * varied threefold between identical windows (a warm-up cost, not a request's); the collector runs on the main
 * thread (--single-threaded-gc), so what a request allocates is counted.
 */
function instructionsOf(pid: number): number {
  execFileSync('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' });
  const part = (f: string) => Number(/\.(\d+)-01$/.exec(f)?.[1]);
  const dumps = readdirSync(CALLGRIND_DIR)
    .filter((f) => f.startsWith(`cg.${pid}.`) && f.endsWith('-01'))
    .sort((a, b) => part(a) - part(b));
  const text = readFileSync(`${CALLGRIND_DIR}/${dumps.at(-1)}`, 'utf8');
  const total = /^(?:totals|summary): (\d+)/m.exec(text)?.[1];
  if (!total) throw new Error(`no totals in ${dumps.at(-1)}`);
  return Number(total);
}

async function setUp(root: string | undefined, index: number): Promise<Target> {
  const url = await freshDatabase(`credyt_bench_cpu_${SLOT}_${index}`);
  const port = 18800 + 20 * SLOT + 2 * index;
  const probePort = port + 1;
  if (CALLGRIND) mkdirSync(CALLGRIND_DIR, { recursive: true });
  const bff = await startBff({ DATABASE_URL: url, BOOTSTRAP_API_KEY: KEY, TRUST_PROXY: '2', BENCH_PROBE_PORT: String(probePort) }, port, {
    root,
    nodeArgs: ['--expose-gc', ...(CALLGRIND ? ['--single-threaded-gc'] : []), '--import', PROBE],
    ipc: true,
    wrapper: CALLGRIND
      ? [
          'valgrind',
          '--tool=callgrind',
          '--instr-atstart=no',
          '--separate-threads=yes',
          `--callgrind-out-file=${CALLGRIND_DIR}/cg.%p`,
          '--log-file=/dev/null',
        ]
      : undefined,
    startTimeoutMs: CALLGRIND ? 900_000 : 60_000,
  });
  const call = apiClient(bff, KEY);
  // The benches' product (0.01 USD per `msg` event); every tree compared accepts it as it is.
  await call('POST', '/products', CHAT_PRODUCT);
  const customer = (name: string) =>
    call<{ id: string }>('POST', '/customers', { name, external_id: name, subscriptions: [{ products: [{ code: 'chat' }] }] }).then(
      (c) => c.id,
    );
  const reader = await customer('reader');
  const eventCustomers: string[] = [];
  for (let i = 0; i < EVENT_CUSTOMERS; i++) eventCustomers.push(await customer(`events-${i}`));
  const token = await accessToken(bff, KEY, reader);
  const target: Target = {
    name: root ?? 'this checkout',
    bff,
    probeUrl: `http://127.0.0.1:${probePort}`,
    auth: { authorization: `Bearer ${token}` },
    eventCustomers,
    sent: 0,
    during: async (work) => {
      // Each window starts from a collected heap: what it pays for garbage is its own.
      await cpuOf(bff.child, 'gc');
      // V8 sweeps after a collection on its worker threads: let it finish outside the window.
      await new Promise((r) => setTimeout(r, CALLGRIND ? 3000 : 200));
      const collected = await cpuOf(bff.child);
      if (CALLGRIND) {
        // A dump holds what was counted since the last one (or the zeroing).
        execFileSync('callgrind_control', ['-z', String(bff.pid)], { stdio: 'ignore' });
        await work();
        return instructionsOf(bff.pid);
      }
      await work();
      return (await cpuOf(bff.child)) - collected;
    },
  };
  // The reader's wallet has entries to read, as a customer's does.
  await call('POST', '/events', {
    customer_id: reader,
    events: [{ id: 'reader-1', event_type: 'msg', occurred_at: new Date().toISOString() }],
  });
  if (CALLGRIND) execFileSync('callgrind_control', ['-i', 'on', String(bff.pid)], { stdio: 'ignore' });
  return target;
}

/** `n` requests of one route; the server's cost of them, less what it spends idle over as long. */
async function measure(t: Target, route: Route, n: number, idlePerMs: number): Promise<number> {
  const r = route.request(t);
  const body = r.body;
  let result: Awaited<ReturnType<typeof cannon>> | undefined;
  const started = performance.now();
  const cost = await t.during(async () => {
    result = await cannon({
      url: r.url,
      amount: n,
      connections: CONNECTIONS,
      requests: [
        {
          method: r.method ?? 'GET',
          headers: r.headers,
          ...(body ? { setupRequest: (req: any) => ({ ...req, body: body() }) } : {}),
        },
      ],
    });
  });
  const elapsed = performance.now() - started;
  if (result!.non2xx > 0 || result!.errors > 0)
    throw new Error(`${route.name} on ${t.name}: ${result!.non2xx} non-2xx, ${result!.errors} errors`);
  return (cost - idlePerMs * elapsed) / n;
}

/** The server's cost per ms while nothing asks it anything (its timers, the auto top-up worker's polling). */
async function idle(t: Target, ms: number): Promise<number> {
  const started = performance.now();
  const cost = await t.during(() => new Promise((r) => setTimeout(r, ms)));
  return cost / (performance.now() - started);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function benchCpu() {
  const roots = TREES.length > 0 ? TREES : [undefined];
  const targets: Target[] = [];
  try {
    for (const [i, root] of roots.entries()) targets.push(await setUp(root, i));
    const warm = CALLGRIND ? Math.ceil(REQUESTS / 2) : Math.max(1000, REQUESTS);
    // Warm every route first: the JIT's tiers settle, pools open, prepared statements exist.
    for (const t of targets) for (const route of ROUTES) await measure(t, route, warm, 0);
    // figures[tree][route] = per-round cost per request; ratios[tree][route] = per-round cost ÷ the baseline's.
    const figures = targets.map(() => ROUTES.map(() => [] as number[]));
    const idles = targets.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS; round++) {
      // Trees in a rotating order, so none always runs first after a pause.
      for (let k = 0; k < targets.length; k++) {
        const ti = (k + round) % targets.length;
        const t = targets[ti]!;
        const idlePerMs = await idle(t, CALLGRIND ? 3000 : 1000);
        idles[ti]!.push(idlePerMs);
        // Under callgrind a window lasts ~50× longer than natively and the timers' work in it varies (a poll does or
        // does not fall in it): subtracting an idle rate there added more noise than it removed.
        for (const [ri, route] of ROUTES.entries()) figures[ti]![ri]!.push(await measure(t, route, REQUESTS, CALLGRIND ? 0 : idlePerMs));
      }
    }

    console.log(
      `\n# Server ${CALLGRIND ? 'instructions (callgrind)' : 'CPU time'} per request (PostgreSQL; ${REQUESTS} requests per route and round, ` +
        `${CONNECTIONS} at once, ${ROUNDS} rounds; median, [min–max] of rounds)`,
    );
    const fmt = (x: number) => (CALLGRIND ? `${(x / 1000).toFixed(0)} k` : `${x.toFixed(1)} µs`);
    for (const [ti, t] of targets.entries()) {
      console.log(
        `\n## ${t.name}   (idle: ${fmt(median(idles[ti]!) * 1000)} per second${CALLGRIND ? ', not subtracted' : ', subtracted'})`,
      );
      const base = figures[ti]![0]!;
      for (const [ri, route] of ROUTES.entries()) {
        const xs = figures[ti]![ri]!;
        const ratios = xs.map((x, r) => x / base[r]!);
        line(
          route.name,
          fmt(median(xs)),
          ri === 0
            ? `[${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}]`
            : `${median(ratios).toFixed(2)}× baseline [${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}]`,
        );
      }
    }
    if (targets.length > 1) {
      console.log(`\n## Each tree against the first (${targets[0]!.name}): ratio of medians, [range of per-round ratios]`);
      for (const [ti, t] of targets.entries()) {
        if (ti === 0) continue;
        for (const [ri, route] of ROUTES.entries()) {
          const perRound = figures[ti]![ri]!.map((x, r) => x / figures[0]![ri]![r]!);
          line(
            `${route.name}: ${t.name}`,
            `${(median(figures[ti]![ri]!) / median(figures[0]![ri]!)).toFixed(3)}×`,
            `[${Math.min(...perRound).toFixed(3)}–${Math.max(...perRound).toFixed(3)}]`,
          );
        }
      }
    }
  } finally {
    await Promise.all(targets.map((t) => t.bff.stop()));
  }
}
