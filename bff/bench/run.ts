import { benchIngest } from './ingest.ts';
import { benchPortal } from './portal.ts';
import { benchCluster } from './cluster.ts';
import { benchCpu } from './cpu.ts';
import { benchStreams } from './streams.ts';
import { benchLedger } from './ledger.ts';

/** `pnpm bench`: every benchmark prints its figure and its ratio to a baseline measured in the same run. */
const suites: Record<string, () => Promise<void>> = {
  ingest: benchIngest,
  portal: benchPortal,
  widget: () => import('./widget.ts').then((m) => m.benchWidget()),
  cluster: benchCluster,
  cpu: benchCpu,
  streams: benchStreams,
  ledger: benchLedger,
};
const only = process.argv.slice(2);
for (const [name, run] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  await run();
}
// A suite's stray handle (a socket, a timer) must not keep `pnpm bench` from ending once every figure is printed.
process.exit(0);
