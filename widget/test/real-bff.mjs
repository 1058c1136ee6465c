/**
 * The real BFF for src/real-bff.test.ts: started on first use (so fixture-only runs don't pay for it) as a child
 * process running src/test-support/real-bff-launcher.ts with tsx, which prints its control URL. Browser tests
 * reach its controls through this test server at `/__real-bff/*`, and the BFF itself at the `api_base` they get.
 */
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { createInterface } from 'node:readline';
import { fileURLToPath, URL } from 'node:url';

const { fetch } = globalThis;
const launcher = fileURLToPath(new URL('../src/test-support/real-bff-launcher.ts', import.meta.url));

export function realBff() {
  /** @type {import('node:child_process').ChildProcess | null} */
  let child = null;
  /** @type {Promise<{ control: string, bff: string }> | null} */
  let ready = null;

  function start() {
    ready ??= new Promise((resolve, reject) => {
      child = spawn(process.execPath, ['--import', 'tsx', launcher], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the real BFF exited (${code}) before it was ready`)));
      createInterface({ input: child.stdout }).once('line', (line) => {
        try {
          resolve(JSON.parse(line));
        } catch (error) {
          reject(error);
        }
      });
    });
    return ready;
  }

  async function readBody(req) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }

  return {
    name: 'real-bff',
    async serverStop() {
      // Closing its stdin tells the launcher to shut down cleanly; the kill is the fallback.
      child?.stdin?.end();
      setTimeout(() => child?.kill('SIGTERM'), 2000).unref();
    },
    /** Koa middleware: `/__real-bff/<route>` → the launcher's control server. */
    middleware: async function realBffControls(ctx, next) {
      if (!ctx.path.startsWith('/__real-bff/')) return next();
      const { control } = await start();
      const response = await fetch(`${control}${ctx.path.slice('/__real-bff'.length)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: ctx.method === 'POST' ? await readBody(ctx.req) : '{}',
      });
      ctx.status = response.status;
      ctx.set('content-type', 'application/json');
      ctx.body = await response.text();
    },
  };
}
