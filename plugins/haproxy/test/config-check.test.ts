import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pluginContext } from '@mmsd/core/testing';
import { ConfigChecker } from '../src/config-check.js';
import type { HaproxyOptions } from '../src/options.js';
import type { HaproxyView } from '../src/view.js';

function checker(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'mmsd-check-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const runs: string[] = [];
  const quiet = () => {};
  const options = { bin: '/usr/sbin/haproxy', configFile: join(dir, 'haproxy.cfg') } as HaproxyOptions;
  const ctx = pluginContext(options, {
    exec: async (_bin: string, args: readonly string[]) => {
      runs.push(args.join(' '));
      return { code: 0, signal: null, stdout: '', stderr: '' };
    },
  });
  return { check: new ConfigChecker(ctx, options, { inc: quiet }), runs };
}

const view = { warnings: [], services: [] } as unknown as HaproxyView;
const config = (servers: string[], bind = '127.0.0.1:10001') => `listen web\n  bind ${bind}\n${servers.map((s) => `  server ${s}\n`).join('')}`;

test('what HAProxy loads is always a checked text; a file rewrite that changes only server lines is not checked again', async (t) => {
  const { check, runs } = checker(t);
  t.true(await check.accepts(view, config(['a 10.0.0.1:1 check']), true));
  t.is(runs.length, 1);
  t.true(await check.accepts(view, config(['a 10.0.0.1:1 check']), true), 'the same text');
  t.is(runs.length, 1);
  t.true(await check.accepts(view, config(['a 10.0.0.1:1 check', 'b 10.0.0.2:1 check']), false), 'servers only, not loaded');
  t.is(runs.length, 1);
  t.regex(check.skipped, /only server lines differ/);
  t.true(await check.accepts(view, config(['a 10.0.0.1:1 check', 'b 10.0.0.2:1 check']), true), 'the same, to be loaded');
  t.is(runs.length, 2);
  t.true(await check.accepts(view, config(['a 10.0.0.1:1 check'], '127.0.0.1:10002'), false), 'a new structure');
  t.is(runs.length, 3);
  t.is(check.skipped, '');
});
