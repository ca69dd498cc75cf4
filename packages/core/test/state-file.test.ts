import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format } from 'node:util';
import { MarathonSimulator, sampleApps } from '@mmsd/marathon-sim';
import { Agent } from '../src/agent.js';
import { AgentMetrics } from '../src/metrics.js';
import type { Logger } from '../src/log.js';
import { createStaticResolver } from '../src/model/address-resolver.js';
import { loadState, StateFileWriter } from '../src/persist/state-file.js';
import { atomicWrite, removeStaleTemps } from '../src/util/files.js';
import { AGENTS, loadApps, storeWith, testConfig } from './helpers.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { waitFor } from '../../../test/helpers/wait.js';

const ENDPOINTS = ['http://marathon:8080'];

function recordingLog() {
  const lines: string[] = [];
  const at = (level: string) => (message: string, ...args: unknown[]) => void lines.push(`${level} ${format(message, ...args)}`);
  const log: Logger = { component: 'test', debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), child: () => log };
  return { log, lines };
}

/** A pid no process has (one that just exited). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

test('a save that fails is retried until it lands, and a newer state supersedes the pending one', async (t) => {
  const dir = await tempDir(t, 'mmsd-state-');
  const path = join(dir, 'state.json');
  // Something real in the way: renaming the temp file over a directory fails (EISDIR).
  await mkdir(join(path, 'in-the-way'), { recursive: true });
  const { log, lines } = recordingLog();
  const writer = new StateFileWriter({ log, backoff: { min: 5, max: 40 } });
  t.teardown(() => writer.stop());
  const snapshotOf = (apps: ReturnType<typeof loadApps>) => storeWith(apps).publish()!.snapshot;
  const older = snapshotOf(loadApps('apps-embed-tasks.json'));
  const newer = snapshotOf(loadApps('apps-embed-tasks.json').slice(0, 2));
  t.true(older.apps.size > 2);

  t.false(await writer.save(path, () => older.apps.values(), { endpoints: ENDPOINTS }));
  t.false(await writer.save(path, () => newer.apps.values(), { endpoints: ENDPOINTS, syncedAt: '2026-01-01T00:00:00.000Z' }));
  t.is(writer.pending, 1);
  await waitFor(() => lines.filter((l) => l.startsWith('warn')).length > 0);
  await rm(path, { recursive: true });

  await waitFor(() => writer.pending === 0, { what: 'the retry' });
  const saved = await loadState(path, ENDPOINTS);
  t.is(saved?.apps.length, 2, 'the newer state, never the older one');
  t.is(saved?.syncedAt, '2026-01-01T00:00:00.000Z');
  t.is((await stat(path)).mode & 0o777, 0o600);
  t.deepEqual(await readdir(dir), ['state.json'], 'no temp file left behind');
  const warnings = lines.filter((l) => l.startsWith('warn'));
  t.is(warnings.length, 1, `logged once: ${warnings.join(' | ')}`);
  t.regex(warnings[0]!, new RegExp(`^warn cannot write ${path}: EISDIR.*; ${path} is a directory: remove it; retrying until it works$`));
  t.true(lines.some((l) => l.startsWith(`info wrote ${path} after `)));
});

test('stale temp files of the state file are removed: a dead process, an earlier run with our pid, abandoned; others are kept', async (t) => {
  const dir = await tempDir(t, 'mmsd-state-');
  const dead = deadPid();
  const live = process.ppid;
  const names = {
    big: `.state.json.tmp-${dead}-1`,
    ourPid: `.state.json.tmp-${process.pid}-7`,
    abandoned: `.state.json.tmp-${live}-3`,
    liveWriter: `.state.json.tmp-${live}-4`,
    otherFile: `.other.json.tmp-${dead}-1`,
    notATemp: `state.json.tmp-${dead}-1`,
    noSequence: `.state.json.tmp-${dead}`,
  };
  for (const name of Object.values(names)) await writeFile(join(dir, name), '{"mmsd":');
  await truncate(join(dir, names.big), 30 * 2 ** 20);
  const old = new Date(Date.now() - 120_000);
  await utimes(join(dir, names.abandoned), old, old);
  await mkdir(join(dir, `.state.json.tmp-${dead}-9`));
  await writeFile(join(dir, 'state.json'), '{}');

  const { log, lines } = recordingLog();
  await new StateFileWriter({ log }).removeStaleTemps(join(dir, 'state.json'));
  t.deepEqual(
    (await readdir(dir)).sort(),
    [names.liveWriter, names.otherFile, names.noSequence, `.state.json.tmp-${dead}-9`, 'state.json', names.notATemp].sort(),
  );
  t.deepEqual(lines, [`info removed 3 temp files of the state file left by a killed mmsd in ${dir} (30.0 MB)`]);
});

test('a temp file of a write under way in this process is never taken for a stale one', async (t) => {
  const dir = await tempDir(t, 'mmsd-state-');
  const path = join(dir, 'state.json');
  let removal: Promise<unknown> | undefined;
  let done = false;
  let removed: unknown;
  function* content(): Generator<string> {
    yield '{"apps":[';
    // The temp file exists now: clean up while this write goes on.
    removal = removeStaleTemps(dir, (name) => name === 'state.json').then((r) => {
      removed = r;
      done = true;
    });
    while (!done) yield ' ';
    yield ']}\n';
  }
  await atomicWrite(path, content());
  await removal;
  t.deepEqual(removed, []);
  t.deepEqual(await readdir(dir), ['state.json']);
});

const config = (endpoints: string[], stateFile: string) => testConfig(endpoints, { coalesce: 20, stateFile });

test('the agent removes stale temp files of its state file at start, before anything else', async (t) => {
  const dir = await tempDir(t, 'mmsd-state-');
  const big = join(dir, `.state.json.tmp-${deadPid()}-1`);
  await writeFile(big, '');
  await truncate(big, 30 * 2 ** 20);
  await writeFile(join(dir, 'notes.txt'), 'mine\n');
  const agent = new Agent({ config: config(['http://127.0.0.1:1'], join(dir, 'state.json')), configDir: '/tmp', plugins: [], mode: 'once', retry: { min: 10, max: 20 } });
  await t.throwsAsync(agent.start(), { message: /could not be reached/ });
  await agent.stop();
  t.deepEqual(await readdir(dir), ['notes.txt']);
});

test('the agent retries a failed save of its state without waiting for another change', async (t) => {
  const sim = await MarathonSimulator.start({ agents: ['mesos-agent-1.dc1.example.internal'] });
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());
  const dir = await tempDir(t, 'mmsd-state-');
  const path = join(dir, 'state.json');
  await mkdir(join(path, 'in-the-way'), { recursive: true });
  const agent = new Agent({ config: config([sim.url], path), configDir: '/tmp', plugins: [], resolver: createStaticResolver(AGENTS), retry: { min: 20, max: 200 }, metrics: new AgentMetrics() });
  t.teardown(() => agent.stop());
  await agent.start();
  await waitFor(async () => (await agent.metrics.registry.getSingleMetricAsString('mmsd_file_writes_pending')).includes('mmsd_file_writes_pending{plugin="core"} 1'), {
    what: 'the failed save, pending',
  });
  await rm(path, { recursive: true });
  await waitFor(async () => (await loadState(path, [sim.url]))?.apps.length === sampleApps().apps.length, { what: 'the state file' });
  t.regex(await agent.metrics.registry.getSingleMetricAsString('mmsd_file_write_failures_total'), /mmsd_file_write_failures_total\{plugin="core",code="EISDIR"\} [1-9]/);
});
