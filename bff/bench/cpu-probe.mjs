// Loaded into a BFF under test by `pnpm bench cpu` (`node --import …/cpu-probe.mjs`): plain JavaScript with no
// dependency, so it runs in any checkout's server, old or new. It answers the bench's IPC message `cpu` with this
// process's CPU time (getrusage: every thread, microsecond resolution) and `gc` with a full collection (the server
// runs with --expose-gc), so no window pays for the garbage of the one before; and it serves a bare `node:http` "ok" on
// BENCH_PROBE_PORT: the same-run, same-process baseline every route's figure is divided by.
import { createServer } from 'node:http';
import process from 'node:process';

process.on('message', (message) => {
  if (message === 'gc') globalThis.gc?.();
  if (message === 'cpu' || message === 'gc') process.send?.({ cpu: process.cpuUsage() });
});

const port = Number(process.env.BENCH_PROBE_PORT);
if (port) {
  createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
    res.end('ok');
  }).listen(port, '127.0.0.1');
}
