import { fileURLToPath, URL } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { build } from 'esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/chromium.mjs';
import { fixtureApi } from './test/fixture-api.mjs';
import { realBff } from './test/real-bff.mjs';

const bff = realBff();

/**
 * React ships CommonJS only, which the test server cannot serve as modules: src/react-mount.test.ts imports
 * `react-bundle`, React and ReactDOM bundled to one ES module by esbuild on first request.
 */
function reactBundle() {
  let code = null;
  return {
    name: 'react-bundle',
    resolveImport: ({ source }) => (source === 'react-bundle' ? '/react-bundle.js' : undefined),
    async serve(context) {
      if (context.path !== '/react-bundle.js') return undefined;
      code ??= build({
        stdin: {
          contents: `export { default as React } from 'react'; export { default as ReactDOM } from 'react-dom'; export { createRoot } from 'react-dom/client';`,
          resolveDir: fileURLToPath(new URL('.', import.meta.url)),
        },
        bundle: true,
        format: 'esm',
        write: false,
        define: { 'process.env.NODE_ENV': '"development"' },
      }).then((result) => result.outputFiles[0].text);
      return { body: await code, type: 'js' };
    },
  };
}

/**
 * Component tests in Debian's Chromium (never a downloaded browser) against the fixture portal API in
 * test/fixture-api.mjs, served by the test server itself so the element does real HTTP on the same origin;
 * src/real-bff.test.ts runs against the real BFF (with the Stripe emulator) that test/real-bff.mjs starts.
 */
export default {
  // The workspace root, so `@credyt/shared` (../shared/src) can be served too.
  rootDir: fileURLToPath(new URL('..', import.meta.url)),
  files: ['src/**/*.test.ts'],
  nodeResolve: true,
  plugins: [
    { name: bff.name, serverStop: bff.serverStop },
    reactBundle(),
    esbuildPlugin({
      ts: true,
      target: 'es2022',
      // Lit's decorators: experimentalDecorators and useDefineForClassFields: false, as the repo compiles them.
      tsconfig: fileURLToPath(new URL('../tsconfig.base.json', import.meta.url)),
    }),
  ],
  middleware: [fixtureApi(), bff.middleware],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: CHROMIUM_PATH,
        args: CHROMIUM_ARGS,
      },
    }),
  ],
  testFramework: { config: { timeout: 15000 } },
  // Per test file (each is a few seconds); test/run.mjs runs a file whose page never reported once more.
  testsFinishTimeout: 120000,
};
