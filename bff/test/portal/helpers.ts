import type { createApp } from '../../src/app.ts';
import type { Clock } from '../../src/clock.ts';
import { createTestContext, type TestContext, type TestContextOptions, type TestPlatform } from '../helpers.ts';

export { fundedCustomer, onPostgres, TEST_DATABASE_URL, unitPrice, volumePrice, type TestPlatform } from '../helpers.ts';

type App = ReturnType<typeof createApp>;

/** A clock the test moves: session and link expiry without waiting. */
export function testClock(start = new Date()) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  } satisfies Clock & { advance(ms: number): void };
}

export type PortalTestContext = TestContext;

/** Like `../helpers.ts`' context, with the portal's stream timings shortened for tests. */
export function createPortalContext(options: TestContextOptions = {}): Promise<PortalTestContext> {
  return createTestContext({ ...options, portal: { heartbeatMs: 200, sessionCheckMs: 50, ...options.portal } });
}

async function parse(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

/** A portal link for a customer (`POST /billing-portal/sessions`). */
export async function newLink(p: TestPlatform, customerId: string, extra: Record<string, unknown> = {}) {
  const r = await p.call('POST', '/billing-portal/sessions', {
    customer_id: customerId,
    return_url: 'https://platform.example/account',
    failure_url: 'https://platform.example/portal-failed?from=portal',
    ...extra,
  });
  if (r.status !== 201) throw new Error(`session: ${JSON.stringify(r.body)}`);
  return r.body as { id: string; token: string; redirect_url: string; expires_at: string };
}

/** A link exchanged for an access token (the embedded flow). */
export async function signIn(app: App, p: TestPlatform, customerId: string) {
  const link = await newLink(p, customerId);
  const res = await app.request('/portal/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: link.token }),
  });
  if (res.status !== 201) throw new Error(`exchange: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { access_token: string; expires_at: string };
  return { sessionId: link.id, linkToken: link.token, accessToken: body.access_token, expiresAt: body.expires_at };
}

/** Calls the portal API with a bearer token (or none); JSON parsed when it is JSON. */
export async function portal(
  app: App,
  token: string | null,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
) {
  const res = await app.request(`/portal/api${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: await parse(res), headers: res.headers, text: '' };
}

/** Posts usage events through the platform API. */
export async function sendEvents(p: TestPlatform, customerId: string, events: Record<string, unknown>[]) {
  const r = await p.call('POST', '/events', { customer_id: customerId, events });
  if (r.status !== 201 && r.status !== 200) throw new Error(`events: ${JSON.stringify(r.body)}`);
  return r.body;
}

export interface SseEvent {
  event: string;
  id: string | null;
  data: any;
}

/** Reads a `text/event-stream` body event by event (comments are counted, not returned). */
export function sseReader(res: Response) {
  if (!res.body) throw new Error('no body');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let ended = false;
  const state = { comments: [] as string[], retry: null as number | null };
  const queue: SseEvent[] = [];

  /**
   * One read at a time: a `next` that timed out leaves its read pending, and the next call waits on that same read
   * (a second read would wait for a chunk after the one the first read queues).
   */
  let pending: Promise<boolean> | null = null;
  const fill = (): Promise<boolean> => (pending ??= read().finally(() => (pending = null)));

  async function read(): Promise<boolean> {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      return false;
    }
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = 'message';
      let id: string | null = null;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) state.comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('retry: ')) state.retry = Number(line.slice(7));
      }
      if (data.length > 0) queue.push({ event, id, data: JSON.parse(data.join('\n')) });
    }
    return true;
  }

  return {
    state,
    get ended() {
      return ended;
    },
    /** The next event (optionally of a name, skipping others), or throws after `timeoutMs`. */
    async next(name?: string, timeoutMs = 5000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex((e) => !name || e.event === name);
        if (index !== -1) return queue.splice(0, index + 1).pop()!;
        if (ended) throw new Error(`stream ended before ${name ?? 'an event'}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${name ?? 'event'} within ${timeoutMs} ms`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)));
        const result = await Promise.race([fill(), timeout]);
        clearTimeout(timer);
        if (result === 'timeout') throw new Error(`no ${name ?? 'event'} within ${timeoutMs} ms`);
      }
    },
    /** Everything until `count` events of `name` were seen (inclusive); returns them all in order. */
    async collect(name: string, count: number, timeoutMs = 5000): Promise<SseEvent[]> {
      const out: SseEvent[] = [];
      let seen = 0;
      while (seen < count) {
        const e = await this.next(undefined, timeoutMs);
        out.push(e);
        if (e.event === name) seen += 1;
      }
      return out;
    },
    /** Resolves when the server ends the stream, or throws after `timeoutMs`. */
    async waitForEnd(timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!ended) {
        if (Date.now() > deadline) throw new Error(`stream still open after ${timeoutMs} ms`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), deadline - Date.now())));
        await Promise.race([fill(), timeout]);
        clearTimeout(timer);
      }
    },
    close: () => reader.cancel().catch(() => undefined),
  };
}
