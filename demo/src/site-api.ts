/**
 * The demo site's own little backend, as a vite plugin: what a platform's server does to embed the portal. It
 * holds the API key (the browser never sees it), creates portal sessions for the signed-in user, and reports
 * usage to the platform API. The page's token is rendered into the HTML server-side, like a platform template.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { sum } from '@credyt/shared';
import { usageEvent, type UsageEvent, type UsageKind } from './lumen.ts';
import {
  createPortalSession,
  customerByExternalId,
  ensureWebhookDestination,
  platformClient,
  type PlatformClient,
} from './platform-client.ts';

export interface DemoSiteApiOptions {
  /** The BFF (`PUBLIC_URL`). */
  apiBase: string;
  apiKey: string;
  /** The demo site's origin: return and failure URLs of the sessions it creates. */
  siteUrl: string;
  /** Lumen's id of the user the demo is "signed in" as. */
  customerExternalId: string;
  /** Told of every verified webhook, in one line. */
  onWebhook?: ((line: string) => void) | undefined;
}

/** Lumen's webhook endpoint: where the BFF tells Lumen of subscriptions and payments, signed. */
export const WEBHOOK_PATH = '/api/credyt-webhooks';

/** The page's placeholder for the link token; replaced on every request by a fresh one. */
export const TOKEN_PLACEHOLDER = '__CREDYT_PORTAL_TOKEN__';

const BURST: Record<UsageKind, number> = { chat: 25, image: 6, video: 2 };
const SIMULATIONS: Record<string, Partial<Record<UsageKind, number>>> = {
  chat: { chat: 5 },
  image: { image: 4 },
  video: { video: 1 },
  burst: BURST,
};

interface EventResult {
  fees: { amount: string; asset: string }[];
}

export function demoSiteApi(options: DemoSiteApiOptions): Plugin {
  const api = platformClient({ baseUrl: options.apiBase, apiKey: options.apiKey });
  const siteOrigin = new URL(options.siteUrl).origin;
  let customerId: Promise<string> | null = null;

  /** Looked up once by external id (as a platform maps its user to a Credyt customer); retried after a failure. */
  function currentCustomer(): Promise<string> {
    customerId ??= customerByExternalId(api, options.customerExternalId).then((c) => {
      if (!c) throw new Error(`No customer with external_id ${options.customerExternalId}: has the demo been seeded?`);
      return c.id;
    });
    customerId.catch(() => (customerId = null));
    return customerId;
  }

  const routes: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    '/api/portal-session': async () => {
      const link = await createPortalSession(api, await currentCustomer(), options.siteUrl);
      return { token: link.token, expires_at: link.expires_at };
    },
    '/api/hosted-portal': async () => {
      const link = await createPortalSession(api, await currentCustomer(), options.siteUrl);
      return { url: link.redirect_url };
    },
    '/api/simulate-usage': async (body) => simulateUsage(api, await currentCustomer(), String(body.kind ?? 'chat')),
  };

  /** Registered on start; until then (or if the BFF is down) deliveries are refused and the BFF retries them. */
  let webhookSecret: string | null = null;
  function registerWebhooks(logger: { warn(line: string): void }) {
    ensureWebhookDestination(api, `${options.siteUrl}${WEBHOOK_PATH}`).then(
      (d) => (webhookSecret = d.secret),
      (err: unknown) => logger.warn(`Lumen could not register its webhook endpoint: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  /** What a platform's endpoint does: verify `Credyt-Signature` over the raw body, then act on the event once. */
  async function receiveWebhook(req: IncomingMessage, res: ServerResponse) {
    const raw = await readText(req);
    const header = String(req.headers['credyt-signature'] ?? '');
    const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
    const v0 = /(?:^|,)v0=([0-9a-f]{64})/.exec(header)?.[1];
    const fresh = t !== undefined && Math.abs(Date.now() / 1000 - Number(t)) <= 300;
    const expected = webhookSecret && t ? createHmac('sha256', webhookSecret).update(`${t}.${raw}`).digest() : null;
    if (!fresh || !v0 || !expected || !timingSafeEqual(expected, Buffer.from(v0, 'hex'))) {
      return send(res, 400, { detail: 'Bad or missing Credyt-Signature.' });
    }
    const event = JSON.parse(raw) as { id: string; type: string };
    options.onWebhook?.(`Lumen received webhook ${event.type} (${event.id}), signature verified`);
    send(res, 200, { received: true });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, next: () => void) {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path === WEBHOOK_PATH && req.method === 'POST') return receiveWebhook(req, res);
    const route = routes[path];
    if (!route) return next();
    if (req.method !== 'POST') return send(res, 405, { detail: 'Use POST.' });
    // A cross-site page must not make the signed-in user's browser open sessions or spend their money.
    const origin = req.headers.origin;
    if (origin && origin !== siteOrigin && origin !== siteOrigin.replace('//localhost', '//127.0.0.1')) {
      return send(res, 403, { detail: 'Cross-origin request refused.' });
    }
    try {
      send(res, 200, await route(await readJson(req)));
    } catch (err) {
      send(res, 502, { detail: err instanceof Error ? err.message : String(err) });
    }
  }

  return {
    name: 'credyt-demo-site-api',
    configureServer(server) {
      server.middlewares.use((req, res, next) => void handle(req, res, next));
      registerWebhooks(server.config.logger);
    },
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => void handle(req, res, next));
    },
    transformIndexHtml: {
      order: 'pre',
      async handler(html) {
        if (!html.includes(TOKEN_PLACEHOLDER)) return html;
        // If the BFF is unreachable the page still renders; the element asks `fetchToken` once it upgrades.
        const token = await routes['/api/portal-session']!({})
          .then((r) => (r as { token: string }).token)
          .catch(() => '');
        return html.replace(TOKEN_PLACEHOLDER, token);
      },
    },
  };
}

async function simulateUsage(api: PlatformClient, customerId: string, kind: string) {
  const plan = SIMULATIONS[kind];
  if (!plan) throw new Error(`Unknown simulation ${kind}; use one of ${Object.keys(SIMULATIONS).join(', ')}.`);
  const now = Date.now();
  const events: UsageEvent[] = [];
  for (const [k, count] of Object.entries(plan) as [UsageKind, number][]) {
    for (let i = 0; i < count; i += 1) {
      events.push(usageEvent(k, `demo-${randomUUID()}`, new Date(now - events.length * 1500), Math.random));
    }
  }
  const result = await api.request<{ events: EventResult[] }>('POST', '/events', { customer_id: customerId, events });
  const byAsset = new Map<string, string[]>();
  for (const fee of result.events.flatMap((e) => e.fees)) byAsset.set(fee.asset, [...(byAsset.get(fee.asset) ?? []), fee.amount]);
  return {
    sent: events.length,
    charged: [...byAsset].map(([asset, amounts]) => ({ asset, amount: sum(amounts) })),
  };
}

function readText(req: IncomingMessage, limit = 64_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > limit) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readText(req, 10_000);
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(body));
}
