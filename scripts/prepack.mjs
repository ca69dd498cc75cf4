#!/usr/bin/env node
// `prepack` of every package (npm pack, npm publish, lerna publish): builds the package (and
// what it references), puts the repository's LICENSE beside its README, and for the CLI
// writes the oclif manifest. Runs in the package's directory, as npm runs it.
import { spawnSync } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const here = process.cwd();
const require = createRequire(join(root, 'package.json'));
const run = (args) => {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: here });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run([require.resolve('typescript/bin/tsc'), '-b']);
await copyFile(join(root, 'LICENSE'), join(here, 'LICENSE'));
const { name } = JSON.parse(await readFile(join(here, 'package.json'), 'utf8'));
if (name === 'mmsd') run([join(root, 'scripts', 'oclif-manifest.mjs')]);
