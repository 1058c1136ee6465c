import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

/** Resolves once `port` on 127.0.0.1 accepts a connection; throws with `log()` if `child` exits first or 5 s pass. */
export async function waitForPort(port: number, child: ChildProcess, name: string, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${log()}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not listen on ${port}: ${log()}`);
}
