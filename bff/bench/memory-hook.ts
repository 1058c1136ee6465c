import { writeHeapSnapshot } from 'node:v8';

// Preloaded into a benchmarked server (`--expose-gc --import`): on the message `memory` from the bench it collects
// garbage twice and answers process.memoryUsage(), so memory per stream is measured on live objects, not on what a
// collection has yet to free. Bench-only: nothing in the server imports it.
const collect = (globalThis as { gc?: () => void }).gc;

process.on('message', (message) => {
  if (!collect || !process.send) return;
  collect();
  collect();
  if (message === 'memory') process.send({ memory: process.memoryUsage() });
  // A heap snapshot, to see what each stream holds (BENCH_HEAP_SNAPSHOTS=1 in `pnpm bench streams`).
  if (message === 'snapshot') process.send({ snapshot: writeHeapSnapshot() });
});
process.channel?.unref();
