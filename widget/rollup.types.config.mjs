import { dts } from 'rollup-plugin-dts';
import { inlineZodTypes } from './scripts/inline-zod-types.mjs';

/**
 * The published declarations (`types` in package.json): one file, with the types the element's API uses from the
 * private `@credyt/shared` inlined and their zod schemas written out as plain types, since a platform installing
 * the widget has `lit` and nothing else of ours.
 */
export default {
  input: 'src/index.ts',
  output: { file: 'dist/types/index.d.ts', format: 'es' },
  plugins: [
    dts({ tsconfig: './tsconfig.json', includeExternal: ['@credyt/shared'] }),
    { name: 'inline-zod-types', writeBundle: (output) => inlineZodTypes(output.file) },
  ],
};
