/**
 * `cem analyze` configuration: documents the public element, and only it, from its JSDoc into
 * `custom-elements.json` (the sections, helpers and styles are internal). The build regenerates the file and
 * `test/manifest.test.mjs` fails when the committed one differs, so it is never stale.
 */
export default {
  globs: ['src/credyt-billing-portal.ts'],
  outdir: '.',
  litelement: true,
  // package.json names the manifest itself; a check's scratch output must not rewrite it.
  packagejson: false,
  plugins: [
    {
      name: 'credyt-public-surface',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          mod.declarations = (mod.declarations ?? []).filter((d) => d.customElement);
          mod.exports = (mod.exports ?? []).filter((e) => mod.declarations.some((d) => d.name === e.declaration?.name));
          for (const d of mod.declarations) {
            // Styles and private or protected members are not the element's API.
            d.members = (d.members ?? []).filter((m) => m.name !== 'styles' && m.privacy !== 'private' && m.privacy !== 'protected');
          }
        }
      },
    },
  ],
};
