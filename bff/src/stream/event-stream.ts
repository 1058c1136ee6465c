/** Bytes a client may leave unread before its stream is ended (it reconnects and resumes after `Last-Event-ID`). */
export const MAX_UNREAD_BYTES = 256 * 1024;

const encoder = new TextEncoder();

/**
 * A server-sent event stream over one ReadableStream, the response's body, which @hono/node-server reads straight
 * to the socket. Hono's `streamSSE` pipes a TransformStream into a second ReadableStream and keeps the request's
 * Context alive beside it: about 14 KB of the ~28 KB a stream held, at 10,000 streams per process.
 */
export class EventStream {
  readonly body: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private ended = false;
  private readonly onEnd: () => void;

  /** `onEnd` runs once, when the client goes away, the stream is closed, or the client reads too slowly. */
  constructor(onEnd: () => void) {
    this.onEnd = onEnd;
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => this.end(),
      },
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Writes raw event-stream text (comments, `retry:`); nothing once closed. */
  write(text: string): void {
    if (this.ended) return;
    this.controller.enqueue(encoder.encode(text));
    // What the socket has not taken yet: a client that stopped reading is let go rather than buffered for.
    if ((this.controller.desiredSize ?? 0) < -MAX_UNREAD_BYTES) this.close();
  }

  /** One event; `data` is one line of JSON (JSON.stringify never writes a newline). */
  writeEvent(event: string, data: string, id?: number): void {
    this.write(`event: ${event}\ndata: ${data}\n${id === undefined ? '' : `id: ${id}\n`}\n`);
  }

  close(): void {
    if (this.ended) return;
    try {
      this.controller.close();
    } catch {
      /* already cancelled by the reader */
    }
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  }
}
