/**
 * What the end-to-end journey needs around the browser: the demo stack on free ports and a clean database, the
 * Stripe emulator's HTTP control, Chromium from Debian, step screenshots, and a small CSV reader.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../widget/test/chromium.mjs';
import { StartError, startDemo, type RunningDemo } from '../src/start.ts';
import { freePort } from '../src/free-port.ts';

export { freePort };

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHROMIUM = CHROMIUM_PATH;

export { cleanDatabase as e2eDatabase, type CleanDatabase as E2eDatabase } from '../../bff/test/helpers.ts';

/** The whole demo (emulator, BFF with its worker, demo site) on free ports, for a new platform of its own. */
export async function startE2eDemo(databaseUrl: string): Promise<RunningDemo> {
  const apiKey = `e2e_sk_${randomBytes(16).toString('hex')}`;
  for (let attempt = 1; ; attempt += 1) {
    const ports = { bff: await freePort(), emulator: await freePort(), site: await freePort() };
    try {
      return await startDemo({ ports, databaseUrl, apiKey, logLevel: process.env.E2E_LOG_LEVEL === 'debug' ? 'debug' : 'error' });
    } catch (err) {
      // Someone took a port between the probe and the listen: try others.
      if (!(err instanceof StartError) || attempt >= 3) throw err;
    }
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
}

/** `artifacts/e2e/<flow>/<nn-step>.png`, numbered in the order taken; the folder starts empty each run. */
export function screenshots(flow: string) {
  const dir = `${REPO_ROOT}artifacts/e2e/${flow}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return async (page: Page, step: string) => {
    n += 1;
    await page.screenshot({ path: `${dir}/${String(n).padStart(2, '0')}-${step}.png`, fullPage: true, animations: 'disabled' });
  };
}

/** The emulator's HTTP control (`/__emulator/`), as another process would drive it. */
export function emulatorControl(emulatorUrl: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${emulatorUrl}/__emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`emulator ${method} ${path} → ${res.status}: ${await res.text()}`);
    return (res.status === 204 || res.status === 202 ? null : await res.json()) as T;
  };
  const eventIds = async () => (await call<{ id: string; type: string }[]>('GET', '/events')).map((e) => e.id);
  return {
    /**
     * Holds Stripe's webhooks back (what a slow Stripe looks like) until `release()`, which delivers every event
     * emitted meanwhile: the page can be seen before and after the payment reaches the BFF.
     */
    async holdWebhooks() {
      const { webhookUrl } = await call<{ webhookUrl: string }>('GET', '/config');
      const before = new Set(await eventIds());
      await call('POST', '/config', { webhookUrl: '' });
      return {
        async release() {
          await call('POST', '/config', { webhookUrl });
          const held = (await eventIds()).filter((id) => !before.has(id));
          for (const id of held) await call('POST', `/events/${id}/redeliver`);
          await call('POST', '/flush');
          return held.length;
        },
      };
    },
    events: () => call<{ id: string; type: string; data: { object: Record<string, unknown> } }[]>('GET', '/events'),
  };
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF): rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** CSV rows as objects keyed by the header row. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  return rows.map((row) => Object.fromEntries((header ?? []).map((name, i) => [name, row[i] ?? ''])));
}
