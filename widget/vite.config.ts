import { readFileSync } from 'node:fs';
import { constants } from 'node:zlib';
import { defineConfig } from 'vite';
import { compression, defineAlgorithm } from 'vite-plugin-compression2';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Library build: one ES module (`dist/credyt-billing-portal.js`) that a page loads with a script tag, plus the
 * lazily imported chunks (the sections after the balances, Chart.js, non-English catalogs) and the chunk of code
 * the entry shares with them. The entry never imports itself back through a chunk: a page may load it with a
 * query string (`?v=3`), and a chunk importing `./credyt-billing-portal.js` would then run a second copy. Dynamic imports stay relative (`./chart-….js`), so the
 * browser resolves them against the module's own URL wherever it is served (the BFF serves it at `/widget/`).
 */
export default defineConfig({
  // Each file also as .br and .gz, at the best ratio (built once, served to every page): the BFF sends whichever the
  // browser accepts. Source maps, fetched by devtools only, get gzip: brotli's best ratio costs seconds on them.
  plugins: [
    compression({
      algorithms: [defineAlgorithm('brotliCompress', { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })],
      include: /\.js$/,
      logLevel: 'silent',
    }),
    compression({ algorithms: [defineAlgorithm('gzip', { level: 9 })], include: /\.(js|map)$/, logLevel: 'silent' }),
  ],
  define: { __CREDYT_WIDGET_VERSION__: JSON.stringify(version) },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    minify: true,
    sourcemap: true,
    reportCompressedSize: true,
    lib: {
      entry: 'src/index.ts',
      formats: ['es'],
      fileName: () => 'credyt-billing-portal.js',
    },
    rolldownOptions: {
      output: {
        chunkFileNames: '[name]-[hash].js',
        // Library mode keeps whitespace in ES output for downstream bundlers; this file is served as-is to browsers.
        minify: true,
      },
    },
  },
});
