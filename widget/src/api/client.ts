import type {
  AccessToken,
  AutoTopUpSetting,
  Category,
  PortalSession,
  PortalSpend,
  PortalTopUp,
  PortalWallet,
  Problem,
  SessionExchanged,
  SpendInterval,
  StreamEvents,
  TransactionsPage,
  TransactionView,
  UsagePage,
} from '@credyt/shared';

/** The exchange's answer; `session` and `wallet` are there when the BFF sends them along. */
export type Exchanged = AccessToken & Partial<Pick<SessionExchanged, 'session' | 'wallet'>>;

/** A failed call, carrying the RFC 9457 problem the portal API answered (or one describing a network failure). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
  }

  get status(): number {
    return this.problem.status;
  }

  /** The request never got an answer (offline, DNS, CORS): status 0. */
  get isNetwork(): boolean {
    return this.problem.status === 0;
  }
}

/** `bearer`: embedded on a platform page with an access token. `cookie`: the hosted page, signed in by cookie. */
export type AuthMode = 'bearer' | 'cookie';

export interface ClientOptions {
  apiBase: string;
  mode: AuthMode;
  /** Called on a 401; resolves true once a fresh access token is in place, and the call is retried once. */
  onUnauthorized: () => Promise<boolean>;
}

export interface SpendQuery {
  interval: SpendInterval;
  from?: string;
  to?: string;
  asset?: string;
  tz?: string;
}

export interface UsageQuery {
  limit?: number;
  cursor?: string | null;
  product?: string;
  asset?: string;
  /** Local calendar dates (`YYYY-MM-DD`) in `tz`. */
  from?: string;
  to?: string;
  tz?: string;
  /** Answer the list's total (`total`) beside the page. */
  total?: boolean;
}

export interface TransactionsQuery {
  month?: string;
  asset?: string;
  category?: Category;
  limit?: number;
  cursor?: string | null;
  /** `grouped`: usage summed per day and product; `entries` (the default): every ledger entry. */
  view?: TransactionView;
  /** The time zone the month (and a grouped row's day) is read in. */
  tz?: string;
  total?: boolean;
}

export interface TopUpRequest {
  asset: string;
  amount: string;
  idempotency_key: string;
  /** The page Stripe sends the customer back to (it must be on one of the platform's allowed origins). */
  return_url?: string;
}

export interface AutoTopUpUpdate {
  enabled: boolean;
  threshold: string;
  amount: string;
  /** Where the card setup page returns to, when a card must be saved first. */
  return_url?: string;
}

/** `PUT /portal/api/auto-top-up/{asset}` answers the setting, with `setup_url` when a card must be saved first. */
export type AutoTopUpResult = AutoTopUpSetting | { setup_url: string };

/** `GET /portal/api/top-ups/{id}`: the top-up's state after the return from Checkout. */
export type TopUpState = StreamEvents['top_up.updated'] & { receipt_url?: string | null };

type Query = Record<string, string | number | boolean | null | undefined>;

/** The one typed client of the portal API (`{api-base}/portal/api`). */
export class PortalClient {
  accessToken: string | null = null;

  constructor(private readonly options: ClientOptions) {}

  get mode(): AuthMode {
    return this.options.mode;
  }

  url(path: string, query: Query = {}): string {
    const base = this.options.apiBase.replace(/\/+$/, '');
    const url = new URL(`${base}/portal/api${path}`, document.baseURI);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    }
    return url.href;
  }

  /** Headers that authenticate a request in this mode (the stream reader uses them too). */
  authHeaders(): Record<string, string> {
    return this.options.mode === 'bearer' && this.accessToken ? { authorization: `Bearer ${this.accessToken}` } : {};
  }

  /** Exchanges a single-use link token for an access token (embedded mode). */
  /** Answers with the session and wallet too when the BFF sends them (it does), saving two requests. */
  async exchange(token: string, signal?: AbortSignal): Promise<Exchanged> {
    // As text/plain, a CORS "simple request": a cross-origin BFF answers it without a preflight first, one round
    // trip fewer before the first balances (the BFF reads it as JSON).
    const init = { ...jsonInit('POST', { token }, signal), headers: { 'content-type': 'text/plain;charset=UTF-8', ...ACCEPT_JSON } };
    const response = await this.send(this.url('/session'), init, false);
    const answer = (await response.json()) as Exchanged;
    this.accessToken = answer.access_token;
    return answer;
  }

  session(signal?: AbortSignal): Promise<PortalSession> {
    return this.getJson('/session', {}, signal);
  }

  /** `renewOn401: false` answers a 401 as an error instead of renewing the session (for a speculative read). */
  wallet(signal?: AbortSignal, renewOn401 = true): Promise<PortalWallet> {
    return this.getJson('/wallet', {}, signal, renewOn401);
  }

  spend(query: SpendQuery, signal?: AbortSignal): Promise<PortalSpend> {
    return this.getJson('/spend', { ...query }, signal);
  }

  usage(query: UsageQuery, signal?: AbortSignal): Promise<UsagePage> {
    return this.getJson('/usage', { ...query }, signal);
  }

  transactions(query: TransactionsQuery, signal?: AbortSignal): Promise<TransactionsPage> {
    return this.getJson('/transactions', { ...query }, signal);
  }

  transactionsCsvUrl(query: TransactionsQuery): string {
    const { month, asset, category, tz } = query;
    return this.url('/transactions', { format: 'csv', month, asset, category, tz });
  }

  /** The CSV export as a Blob (a bearer token cannot ride on a plain link). */
  async transactionsCsv(query: TransactionsQuery, signal?: AbortSignal): Promise<Blob> {
    const response = await this.send(this.transactionsCsvUrl(query), { method: 'GET', signal });
    return response.blob();
  }

  async createTopUp(body: TopUpRequest, signal?: AbortSignal): Promise<PortalTopUp> {
    const response = await this.send(this.url('/top-ups'), jsonInit('POST', body, signal));
    return (await response.json()) as PortalTopUp;
  }

  /** The state of a top-up after the return from Checkout. */
  topUp(id: string, signal?: AbortSignal): Promise<TopUpState> {
    return this.getJson(`/top-ups/${encodeURIComponent(id)}`, {}, signal);
  }

  autoTopUps(signal?: AbortSignal): Promise<AutoTopUpSetting[]> {
    return this.getJson('/auto-top-up', {}, signal);
  }

  async updateAutoTopUp(asset: string, body: AutoTopUpUpdate, signal?: AbortSignal): Promise<AutoTopUpResult> {
    const init = jsonInit('PUT', body, signal);
    const response = await this.send(this.url(`/auto-top-up/${encodeURIComponent(asset)}`), init);
    return (await response.json()) as AutoTopUpResult;
  }

  /** Stripe's page that saves (or replaces) the customer's one card for automatic top-up. */
  async cardSetup(body: { asset?: string; return_url?: string }, signal?: AbortSignal): Promise<{ setup_url: string }> {
    const response = await this.send(this.url('/auto-top-up/card-setup'), jsonInit('POST', body, signal));
    return (await response.json()) as { setup_url: string };
  }

  /**
   * Sends a request with this mode's credentials; a 401 gives the session a chance to renew and is retried
   * once. Any other failure becomes an `ApiError`; an abort stays an `AbortError`.
   */
  async send(url: string, init: RequestInit, renewOn401 = true): Promise<Response> {
    const sentWith = this.accessToken;
    const response = await this.fetchOnce(url, init);
    if (response.status === 401 && renewOn401) {
      // Calls that were in flight while another one renewed the session just retry with the new token.
      const renewed = this.accessToken !== sentWith || (await this.options.onUnauthorized());
      if (renewed) return this.throwUnlessOk(await this.fetchOnce(url, init));
    }
    return this.throwUnlessOk(response);
  }

  private async getJson<T>(path: string, query: Query, signal?: AbortSignal, renewOn401 = true): Promise<T> {
    const response = await this.send(this.url(path, query), { method: 'GET', signal, headers: ACCEPT_JSON }, renewOn401);
    return (await response.json()) as T;
  }

  private async fetchOnce(url: string, init: RequestInit): Promise<Response> {
    const headers = { ...(init.headers as Record<string, string> | undefined), ...this.authHeaders() };
    const credentials = this.options.mode === 'cookie' ? 'include' : 'omit';
    try {
      return await fetch(url, { ...init, headers, credentials });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError({ type: 'about:blank', title: 'Network error', status: 0, detail: String(error) });
    }
  }

  private async throwUnlessOk(response: Response): Promise<Response> {
    if (response.ok) return response;
    throw new ApiError(await readProblem(response));
  }
}

const ACCEPT_JSON = { accept: 'application/json' };

function jsonInit(method: string, body: unknown, signal?: AbortSignal): RequestInit {
  return {
    method,
    signal,
    headers: { 'content-type': 'application/json', ...ACCEPT_JSON },
    body: JSON.stringify(body),
  };
}

/** Reads a problem+json body; anything else becomes a problem named after the status. */
export async function readProblem(response: Response): Promise<Problem> {
  const fallback: Problem = {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: '',
  };
  if (!/json/.test(response.headers.get('content-type') ?? '')) return fallback;
  try {
    const body = (await response.json()) as Partial<Problem>;
    return {
      type: typeof body.type === 'string' ? body.type : fallback.type,
      title: typeof body.title === 'string' ? body.title : fallback.title,
      status: typeof body.status === 'number' ? body.status : response.status,
      detail: typeof body.detail === 'string' ? body.detail : '',
      ...(Array.isArray(body.errors) ? { errors: body.errors } : {}),
    };
  } catch {
    return fallback;
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
