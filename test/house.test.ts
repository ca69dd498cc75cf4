// The house rules that can be checked mechanically (docs/architecture.md).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../scripts/import-cycles.mjs', import.meta.url));

test('no import cycle in any package (type-only imports included)', (t) => {
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  t.is(run.status, 0, run.stdout);
  t.regex(run.stdout, /no import cycle/);
});

// "Split a file before it passes ~300 lines": a longer one says why in its first lines.
const MAX_LINES = 320;
const REASON = /longer than \d+ lines because/i;

test(`no source file over ${MAX_LINES} lines without a reason in its header`, async (t) => {
  const { readdir, readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const sources: string[] = [];
  for (const group of ['packages', 'plugins']) {
    for (const name of await readdir(join(root, group))) {
      const src = join(root, group, name, 'src');
      const files = await readdir(src, { recursive: true }).catch(() => [] as string[]);
      sources.push(...files.filter((f) => f.endsWith('.ts')).map((f) => join(src, f)));
    }
  }
  t.true(sources.length > 50, `found ${sources.length} source files`);
  const long: string[] = [];
  for (const file of sources) {
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n').length;
    if (lines > MAX_LINES && !REASON.test(text.split('\n').slice(0, 10).join('\n'))) long.push(`${file.slice(root.length)} (${lines})`);
  }
  t.deepEqual(long, []);
});

test('the plugin API (packages/core/src/plugins/api.ts) is types only', async (t) => {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(fileURLToPath(new URL('../packages/core/src/plugins/api.ts', import.meta.url)), 'utf8');
  t.deepEqual(text.split('\n').filter((line) => /^export (async )?(function|const|let|class|enum)\b|^import (?!type\b)/.test(line)), []);
});

test('plugins depend on @mmsd/core for types only (no run-time import)', async (t) => {
  const { readdir, readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const root = fileURLToPath(new URL('../plugins', import.meta.url));
  const offenders: string[] = [];
  for (const plugin of await readdir(root)) {
    const src = join(root, plugin, 'src');
    for (const file of (await readdir(src, { recursive: true })).filter((f) => f.endsWith('.ts'))) {
      const text = await readFile(join(src, file), 'utf8');
      for (const line of text.split('\n')) if (/^(import|export) (?!type\b).*from '@mmsd\/core/.test(line)) offenders.push(`${plugin}/src/${file}: ${line}`);
    }
  }
  t.deepEqual(offenders, []);
});
