import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const widget = fileURLToPath(new URL('..', import.meta.url));
const scratch = 'node_modules/.cache/manifest-check';

/** `custom-elements.json` is what tools and docs read of the element: it must be the source's, never stale. */
describe('custom-elements.json', () => {
  it('is what the analyzer makes of the element now, and documents the element only', async () => {
    await rm(`${widget}/${scratch}`, { recursive: true, force: true });
    await promisify(execFile)(
      'node_modules/.bin/cem',
      ['analyze', '--config', 'custom-elements-manifest.config.mjs', '--outdir', scratch],
      {
        cwd: widget,
      },
    );
    const fresh = await readFile(`${widget}/${scratch}/custom-elements.json`, 'utf8');
    const committed = await readFile(`${widget}/custom-elements.json`, 'utf8');
    expect(committed, 'run `pnpm --filter @credyt/widget build` and commit widget/custom-elements.json').toBe(fresh);

    const manifest = JSON.parse(committed) as { modules: { declarations: { tagName?: string; members?: { name: string }[] }[] }[] };
    const declarations = manifest.modules.flatMap((m) => m.declarations);
    expect(declarations.map((d) => d.tagName)).toEqual(['credyt-billing-portal']);
    expect(declarations[0]!.members!.map((m) => m.name)).not.toContain('styles');
  }, 60_000);
});
