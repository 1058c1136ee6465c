/**
 * `pnpm --filter @credyt/widget test`: web-test-runner with one retry for a browser page that never reported.
 *
 * On a loaded CI machine a test file's page has, about once in dozens of runs, started and then never sent its
 * results (every test in it passing on any rerun): web-test-runner then fails that file after
 * `testsFinishTimeout`. Such a file, and only such a file, is run once more in a fresh runner (a new process,
 * server and browser), and the run says so. A failed assertion, a page that never started, or a second hang
 * fails the run as before.
 */
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import console from 'node:console';
import { fileURLToPath, URL } from 'node:url';
import { startTestRunner } from '@web/test-runner';

const HUNG = /did not finish within/;
const args = process.argv.slice(2);

/** The arguments without `--files` and its values: the retry names its own files. */
function withoutFiles(list) {
  const kept = [];
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '--files') {
      while (i + 1 < list.length && !list[i + 1].startsWith('--')) i++;
    } else kept.push(list[i]);
  }
  return kept;
}

const runner = await startTestRunner({ argv: args, autoExitProcess: false });
if (!runner) process.exit(1);
const outcome = await new Promise((resolve) => {
  runner.on('stopped', (passed) => {
    const sessions = [...runner.sessions.all()];
    const hung = sessions.filter((s) => !s.passed && (s.errors ?? []).some((e) => HUNG.test(e.message ?? '')));
    resolve({
      passed,
      hung: [...new Set(hung.map((s) => s.testFile))],
      otherFailures: sessions.some((s) => !s.passed && !hung.includes(s)),
    });
  });
});
if (outcome.passed) process.exit(0);
if (outcome.otherFailures || outcome.hung.length === 0) process.exit(1);

const root = fileURLToPath(new URL('..', import.meta.url));
const files = outcome.hung.map((file) => (file.startsWith(root) ? file.slice(root.length) : file));
console.log(`\nNo results from ${files.join(', ')} before the timeout: running ${files.length === 1 ? 'it' : 'them'} once more.\n`);
const bin = fileURLToPath(new URL('../node_modules/@web/test-runner/dist/bin.js', import.meta.url));
const retry = spawnSync(process.execPath, [bin, ...withoutFiles(args), '--files', ...files], { cwd: root, stdio: 'inherit' });
process.exit(retry.status ?? 1);
