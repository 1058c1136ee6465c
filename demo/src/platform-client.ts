import { parse } from 'lossless-json';

/**
 * The demo's server-side client of the platform API, as a platform's backend holds one: it alone knows the API
 * key. `fetch` is injectable so tests drive an in-process app (`app.request`) instead of a socket.
 */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export class PlatformApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: unknown,
    method: string,
    path: string,
  ) {
    const detail = typeof problem === 'object' && problem && 'detail' in problem ? String(problem.detail) : JSON.stringify(problem);
    super(`${method} ${path} → ${status}: ${detail}`);
  }
}

export interface PlatformClient {
  readonly baseUrl: string;
  request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T>;
}

export function platformClient(options: { baseUrl: string; apiKey: string; fetch?: FetchLike }): PlatformClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const send: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  return {
    baseUrl,
    async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
      const res = await send(`${baseUrl}${path}`, {
        method,
        headers: {
          'x-credyt-api-key': options.apiKey,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed: unknown = text ? safeJson(text) : null;
      if (!res.ok) throw new PlatformApiError(res.status, parsed, method, path);
      return parsed as T;
    },
  };
}

/**
 * Credyt's API answers amounts as JSON numbers; `JSON.parse` would round one past 15–17 digits to a float. Every
 * number is kept as its exact text instead (amounts are decimal strings everywhere in this code), as a platform's
 * backend should read them.
 */
function safeJson(text: string): unknown {
  try {
    return parse(text, null, (digits) => digits);
  } catch {
    return text;
  }
}

export interface Customer {
  id: string;
  name: string;
  external_id: string;
}

/** The platform's customer for one of its own user ids, or null. */
export async function customerByExternalId(api: PlatformClient, externalId: string): Promise<Customer | null> {
  const found = await api.request<{ items: Customer[] }>('GET', `/customers?external_id=${encodeURIComponent(externalId)}`);
  return found.items[0] ?? null;
}

export interface PortalLink {
  id: string;
  redirect_url: string;
  token: string;
  expires_at: string;
}

export function createPortalSession(api: PlatformClient, customerId: string, siteUrl: string): Promise<PortalLink> {
  return api.request<PortalLink>('POST', '/billing-portal/sessions', {
    customer_id: customerId,
    return_url: `${siteUrl}/`,
    failure_url: `${siteUrl}/?portal=link-expired`,
  });
}

interface Destination {
  id: string;
  url: string;
  secret?: string;
}

/** The platform's webhook destination at `url` (created once, found again on the next start), with its secret. */
export async function ensureWebhookDestination(api: PlatformClient, url: string): Promise<{ id: string; secret: string }> {
  const found = await api.request<{ items: Destination[] }>('GET', '/webhooks?limit=200');
  const existing = found.items.find((d) => d.url === url);
  const destination = existing
    ? await api.request<Destination>('GET', `/webhooks/${existing.id}`)
    : await api.request<Destination>('POST', '/webhooks', { url, topics: ['*'], description: 'Lumen AI (demo)' });
  return { id: destination.id, secret: destination.secret ?? '' };
}
