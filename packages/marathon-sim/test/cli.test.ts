import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/mmsd-sim.js', import.meta.url));

test('mmsd-sim --help', (t) => {
  const result = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  t.is(result.status, 0);
  t.regex(result.stdout, /Usage: mmsd-sim \[options\]/);
  t.regex(result.stdout, /--demo/);
});

test('mmsd-sim serves a synthetic cluster until SIGTERM', async (t) => {
  const child = spawn(process.execPath, [BIN, '--port', '0', '--apps', '20', '--tasks', '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  const url = /on (http:\/\/\S+) with 20 apps/.exec(line)![1]!;
  const { apps } = (await (await fetch(`${url}/v2/apps?embed=apps.tasks`)).json()) as { apps: { tasks: unknown[] }[] };
  t.is(apps.length, 20);
  t.is(apps[0]!.tasks.length, 2);
  child.kill('SIGTERM');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  t.is(code, 0);
});
