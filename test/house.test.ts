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
