import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { StreamEventName, StreamEvents } from '@credyt/shared';
import { ApiError, type PortalClient } from './client.ts';

/** `offline`: the last attempt failed and another is scheduled. `closed`: stopped, or the session ended. */
export type StreamState = 'connecting' | 'open' | 'offline' | 'closed';

export interface StreamOptions {
  /** First reconnect delay; doubles per failed attempt up to `maxDelay` (the server's `retry:` overrides it). */
  initialDelay: number;
  maxDelay: number;
  /** Reconnect when nothing (not even a heartbeat) arrived for this long. */
  idleTimeout: number;
}

const DEFAULTS: StreamOptions = { initialDelay: 1000, maxDelay: 30_000, idleTimeout: 45_000 };

/**
 * Reads `GET /portal/api/stream` with fetch, because EventSource cannot send a bearer header. Resumes with
 * `Last-Event-ID`, reconnects with exponential backoff, and reports its state (`statechange`) so the portal can
 * show an offline hint. Server events are re-dispatched as `CustomEvent`s named like the SSE event.
 */
export class PortalStream extends EventTarget {
  state: StreamState = 'closed';
  lastEventId: string | null = null;
  private readonly options: StreamOptions;
  private controller: AbortController | null = null;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private running = false;

  constructor(
    private readonly client: PortalClient,
    options: Partial<StreamOptions> = {},
  ) {
    super();
    this.options = { ...DEFAULTS, ...options };
  }

  /** Listens to one server event; returns the function that stops listening. */
  on<K extends StreamEventName>(name: K, listener: (data: StreamEvents[K]) => void): () => void {
    const handler = (event: Event) => listener((event as CustomEvent<StreamEvents[K]>).detail);
    this.addEventListener(name, handler);
    return () => this.removeEventListener(name, handler);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    window.addEventListener('online', this.reconnectNow);
    void this.connect();
  }

  stop(): void {
    this.running = false;
    window.removeEventListener('online', this.reconnectNow);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.idleTimer);
    this.controller?.abort();
    this.controller = null;
    this.setState('closed');
  }

  private readonly reconnectNow = (): void => {
    if (!this.running || this.state !== 'offline') return;
    clearTimeout(this.reconnectTimer);
    void this.connect();
  };

  private async connect(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    if (this.state !== 'offline') this.setState('connecting');
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.lastEventId !== null) headers['last-event-id'] = this.lastEventId;
    try {
      const response = await this.client.send(this.client.url('/stream'), {
        method: 'GET',
        headers,
        signal: controller.signal,
        cache: 'no-store',
      });
      if (!response.body) throw new Error('The stream answered without a body');
      this.attempt = 0;
      this.setState('open');
      await this.read(response.body, controller);
    } catch (error) {
      if (!this.running || this.controller !== controller) return;
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
        // The session is over (the portal shows that state) or there is no stream: retrying would not help.
        this.stop();
        return;
      }
    } finally {
      clearTimeout(this.idleTimer);
    }
    if (this.running && this.controller === controller) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.setState('offline');
    const base = Math.min(this.options.maxDelay, this.options.initialDelay * 2 ** this.attempt);
    this.attempt += 1;
    // Jitter spreads the reconnects of many open portals after a server restart.
    this.reconnectTimer = setTimeout(() => void this.connect(), base * (1 + Math.random() * 0.25));
  }

  private async read(body: ReadableStream<Uint8Array>, controller: AbortController): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const onAbort = () => void reader.cancel().catch(() => undefined);
    controller.signal.addEventListener('abort', onAbort, { once: true });
    // Comments (the server's heartbeat) only re-arm the idle timer, which every chunk does.
    const parser = createParser({
      onEvent: (message) => this.dispatchMessage(message),
      onRetry: (delay) => {
        this.options.initialDelay = delay;
      },
    });
    this.armIdleTimer(controller);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        this.armIdleTimer(controller);
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      controller.signal.removeEventListener('abort', onAbort);
    }
  }

  private dispatchMessage(message: EventSourceMessage): void {
    if (message.id !== undefined) this.lastEventId = message.id;
    let detail: unknown;
    try {
      detail = JSON.parse(message.data);
    } catch {
      return; // not an event of ours
    }
    this.dispatchEvent(new CustomEvent(message.event || 'message', { detail }));
  }

  private armIdleTimer(controller: AbortController): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => controller.abort(), this.options.idleTimeout);
  }

  private setState(state: StreamState): void {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new Event('statechange'));
  }
}
