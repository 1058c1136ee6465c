import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import { PROBLEM_CONTENT_TYPE } from '@credyt/shared';
import { problemBody } from './problem.ts';

/** Node's own refusals (before Hono sees the request), answered as problem+json like every other error. */
const PARSER_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request headers are too large.'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'The chunk extensions are too large.'],
};

function answerClientError(err: NodeJS.ErrnoException, socket: Duplex) {
  if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  if (err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, detail] = PARSER_ERRORS[err.code ?? ''] ?? [400, 'The request could not be parsed as HTTP.'];
  const body = JSON.stringify(problemBody(status, detail));
  const reason = status === 431 ? 'Request Header Fields Too Large' : status === 413 ? 'Payload Too Large' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Serves the app on `hostname:port` with Node's parser errors answered as problems; resolves once listening. */
export function listen(fetch: (req: Request) => Response | Promise<Response>, port: number, hostname: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server)) as Server;
    server.on('clientError', answerClientError);
    server.once('error', reject);
  });
}

export const portOf = (server: Server) => (server.address() as AddressInfo).port;
