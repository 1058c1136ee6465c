import { defineConfig } from 'vitest/config';

/** Node-side tests (BFF, shared, demo). The element's tests run in Chromium via @web/test-runner (widget/). */
export default defineConfig({
  test: {
    include: ['shared/test/**/*.test.ts', 'bff/test/**/*.test.ts', 'demo/test/**/*.test.ts', 'widget/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
