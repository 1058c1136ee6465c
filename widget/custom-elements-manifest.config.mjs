/** `cem analyze` configuration: documents the public element from its JSDoc into `custom-elements.json`. */
export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/test-support/**'],
  outdir: '.',
  litelement: true,
};
