import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';
import { DEMO_API_KEY, MAIN_CUSTOMER } from './src/lumen.ts';
import { demoSiteApi } from './src/site-api.ts';

export interface DemoSiteOptions {
  port: number;
  /** The BFF the page embeds the element from and the site's server calls. */
  apiBase: string;
  apiKey: string;
  /** A line per webhook the site receives (the CLI prints them); silent when not given. */
  onWebhook?: (line: string) => void;
}

/** Lumen AI's "Account → Billing" page, served by vite with its own small server API (`demo/src/site-api.ts`). */
export function demoSiteConfig({ port, apiBase, apiKey, onWebhook }: DemoSiteOptions): UserConfig {
  const siteUrl = `http://localhost:${port}`;
  return {
    root: fileURLToPath(new URL('./site', import.meta.url)),
    logLevel: 'warn',
    clearScreen: false,
    server: { port, strictPort: true, host: 'localhost' },
    preview: { port, strictPort: true, host: 'localhost' },
    plugins: [demoSiteApi({ apiBase, apiKey, siteUrl, customerExternalId: MAIN_CUSTOMER.external_id, onWebhook })],
  };
}

// `npx vite demo` against an already running BFF; `pnpm start` passes the same options itself.
export default defineConfig(() =>
  demoSiteConfig({
    port: Number(process.env.DEMO_PORT ?? 5173),
    apiBase: process.env.PUBLIC_URL ?? 'http://localhost:8787',
    apiKey: process.env.CREDYT_API_KEY ?? DEMO_API_KEY,
  }),
);
