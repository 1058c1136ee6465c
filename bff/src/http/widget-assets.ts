import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { etag } from 'hono/etag';

/** The file every platform's page loads by name: its URL never changes, so browsers revalidate it often. */
export const WIDGET_ENTRY = 'credyt-billing-portal.js';
/** Rolldown's chunk names end in an 8-character content hash (`lazy-D2vqKilI.js`): a new build is a new name. */
const HASHED = /-[\w-]{8}\.js(?:\.map)?(?:\.br|\.gz)?$/;
/** A year, the most HTTP caches keep anything; `immutable` spares even the revalidation on reload. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The entry: a new release reaches pages within five minutes, and a revalidation is a 304 of no body. */
const ENTRY = 'public, max-age=300';

/** Says how to build the bundle when a deployment is started without it (`pnpm serve` builds it first). */
export class MissingWidgetError extends Error {
  constructor(dir: string) {
    super(`The widget bundle is missing (${join(dir, WIDGET_ENTRY)}): build it with \`pnpm build\`, or set WIDGET_DIST to a built copy.`);
  }
}

/**
 * The built widget (`widget/dist`) at `/widget/*`, for platforms' pages on any origin. Each file goes out as the
 * browser accepts it: the build's brotli or gzip copy (vite-plugin-compression2), else as is. Hashed chunks are
 * cached for a year; the entry for five minutes, then revalidated by its ETag (a hash of the bytes sent, so every
 * process of a deployment gives the same one), answered 304 while unchanged. The hashes are taken once, here:
 * the files do not change under a running server.
 */
export function widgetAssets(dir: string) {
  if (!existsSync(join(dir, WIDGET_ENTRY))) throw new MissingWidgetError(dir);
  const etags = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const digest = createHash('sha256')
      .update(readFileSync(join(dir, name)))
      .digest('base64url')
      .slice(0, 22);
    etags.set(name, `"${digest}"`);
  }
  return (
    new Hono()
      // The bundle holds no data: any page may load it as a module script.
      .use('*', cors({ origin: '*', allowMethods: ['GET', 'HEAD'] }))
      .use('*', etag())
      .use(
        '*',
        serveStatic({
          root: dir,
          precompressed: true,
          rewriteRequestPath: (path) => path.replace(/^\/widget/, ''),
          onFound: (path, c) => {
            const name = basename(path);
            c.header('Cache-Control', HASHED.test(name) ? IMMUTABLE : ENTRY);
            // Caches keep one copy per encoding, also of the plain one this browser got.
            if (!c.res.headers.has('Vary')) c.header('Vary', 'Accept-Encoding');
            const tag = etags.get(name);
            if (tag) c.header('ETag', tag);
          },
        }),
      )
  );
}
