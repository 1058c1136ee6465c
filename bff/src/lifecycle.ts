import { setMaxListeners } from 'node:events';

/**
 * The process's stage: serving, or draining after SIGTERM. Draining, `/healthz` answers 503 (a load balancer
 * stops sending new requests), live streams end with a reconnect hint (the client comes back, through the
 * balancer, to another process) and new streams are refused; requests already in flight finish.
 */
export class Lifecycle {
  private readonly controller = new AbortController();

  constructor() {
    // Every open stream listens (10,000 on a full process): no "possible leak" warning past the 10th.
    setMaxListeners(0, this.controller.signal);
  }

  /** Aborted when draining begins; listeners end what they hold open. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get draining(): boolean {
    return this.controller.signal.aborted;
  }

  drain(): void {
    this.controller.abort();
  }
}
