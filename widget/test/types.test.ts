import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const widget = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** What a platform's TypeScript code does with the element: define it, set it up, listen to its events. */
const consumer = `
import { ApiError, CredytBillingPortal, VERSION, defineElements, type ReadyDetail, type Theme } from '@credyt/widget';

defineElements();
const portal: CredytBillingPortal = document.createElement('credyt-billing-portal');
const theme: Theme = 'dark';
portal.theme = theme;
portal.fetchToken = async () => 'token';
portal.addEventListener('credyt-ready', (event) => {
  const detail: ReadyDetail = event.detail;
  console.log(detail.session.customer.name.toUpperCase(), detail.session.features.top_up);
});
portal.addEventListener('credyt-error', (event) => console.log(event.detail.status.toFixed(), event.detail.errors?.[0]?.path));
const error = new ApiError({ type: 'about:blank', title: 'Offline', status: 0, detail: 'No answer' });
console.log(error.isNetwork, VERSION.length);
// @ts-expect-error the detail is the problem, typed: not any
document.body.addEventListener('credyt-error', (event) => event.detail.nope);
`;

/**
 * The published declarations are what a platform installing the widget type-checks against, and it has `lit`
 * but none of our private workspace packages: the file has to stand on its own.
 */
describe('the published types', () => {
  let platform: string | undefined;
  afterAll(() => platform && rm(platform, { recursive: true, force: true }));

  it('are one file that imports lit and nothing else, and type-check in a project that has only lit', async () => {
    platform = await mkdtemp(join(tmpdir(), 'credyt-widget-types-'));
    const installed = join(platform, 'node_modules/@credyt/widget');
    const types = join(installed, 'dist/types/index.d.ts');
    await run(join(widget, 'node_modules/.bin/rollup'), ['-c', 'rollup.types.config.mjs', '-o', types], { cwd: widget });

    const published = await readFile(types, 'utf8');
    expect(published).not.toContain('@credyt/shared');
    expect(published).not.toMatch(/from '(?!lit')/);
    expect(published).not.toMatch(/import\(/);

    await copyFile(join(widget, 'package.json'), join(installed, 'package.json'));
    await symlink(await realpath(join(widget, 'node_modules/lit')), join(platform, 'node_modules/lit'), 'dir');
    await mkdir(join(platform, 'src'));
    await writeFile(join(platform, 'src/portal.ts'), consumer);
    const compilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      target: 'es2022',
      module: 'esnext',
      moduleResolution: 'bundler',
      lib: ['es2023', 'dom', 'dom.iterable'],
      types: [],
    };
    await writeFile(join(platform, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }));
    const checked = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: platform }).catch(
      (error: { stdout: string }) => error,
    );
    expect('stdout' in checked ? checked.stdout : '').toBe('');
  }, 120_000);
});
