#!/usr/bin/env node
// Runs every test (unit tests of each package and the end-to-end tests in test/) with ava,
// passes ava's TAP output through, and ends with one line: "N passed, N failed".
// Arguments are passed to ava (e.g. a file or --match).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const build = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b'], { stdio: 'inherit', cwd: join(dirname(fileURLToPath(import.meta.url)), '..') });
if (build.status !== 0) {
  console.log('the build failed (tsc -b): no test was run');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const avaCli = join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');

// The tests, the benchmarks and their helpers are type-checked too (tsx only strips types).
const typecheck = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.tests.json'], { stdio: 'inherit', cwd: root });
const typecheckFailed = typecheck.status !== 0;
if (typecheckFailed) console.log('not ok - the tests do not type-check (tsc -p tsconfig.tests.json)');
const ava = spawn(process.execPath, [avaCli, '--tap', ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
let passed = 0;
let failed = 0;
let skipped = 0;
const lines = createInterface({ input: ava.stdout });
lines.on('line', (line) => {
  process.stdout.write(`${line}\n`);
  if (/^ok \d+/.test(line)) {
    if (/# (SKIP|TODO)/i.test(line)) skipped++;
    else passed++;
  } else if (/^not ok \d+/.test(line) && !/# TODO/i.test(line)) failed++;
});
ava.on('close', (code) => {
  if (code !== 0 && failed === 0) failed = 1; // ava itself failed (crash, no tests found, …)
  if (typecheckFailed) failed++;
  if (skipped > 0) console.log(`${skipped} skipped`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
});
