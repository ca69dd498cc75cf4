import test from 'ava';
import FakeTimers from '@sinonjs/fake-timers';
import { format } from 'node:util';
import type { Logger } from '../src/log.js';
import type { FileHelpers, MetricsHelpers, WriteOptions } from '../src/plugins/api.js';
import { RetryingFileWriter } from '../src/util/retrying-files.js';
import { writeFailureHint } from '../src/util/write-failures.js';

function fsError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected, open '${path}'`), { code, syscall: 'open', path });
}

function recordingLog() {
  const lines: { level: string; text: string }[] = [];
  const at = (level: string) => (message: string, ...args: unknown[]) => void lines.push({ level, text: format(message, ...args) });
  const log: Logger = { component: 'test', debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), child: () => log };
  return { log, lines, at: (level: string) => lines.filter((l) => l.level === level).map((l) => l.text) };
}

function recordingMetrics() {
  const gauges: { name: string; labels: unknown; value: number }[] = [];
  const counters: { name: string; labels: unknown; value: number }[] = [];
  const metrics: MetricsHelpers = {
    counter: (name) => ({ inc: (labels, value) => void counters.push({ name, labels, value: value ?? 1 }) }),
    gauge: (name) => ({ set: (labels, value) => void gauges.push({ name, labels, value: value ?? 0 }) }),
    histogram: () => ({ observe: () => {} }),
  };
  return { metrics, gauges, counters };
}

/** An in-memory disk whose writes and removals fail with `fail` (per path, or all) until cleared. */
function memoryFiles() {
  const disk = new Map<string, string>();
  const calls: { at: number; op: 'write' | 'remove'; path: string; content?: string; ok: boolean }[] = [];
  const fail = new Map<string, string>();
  let gate: { content: string; promise: Promise<void> } | undefined;
  const failure = (path: string) => fail.get(path) ?? fail.get('*');
  const files: Pick<FileHelpers, 'write' | 'remove'> = {
    async write(path: string, content: string, _options?: WriteOptions) {
      if (gate && content === gate.content) await gate.promise;
      const code = failure(path);
      calls.push({ at: Date.now(), op: 'write', path, content, ok: !code });
      if (code) throw fsError(code, path);
      const existed = disk.has(path);
      disk.set(path, content);
      return existed ? 'updated' : 'created';
    },
    async remove(path: string) {
      const code = failure(path);
      calls.push({ at: Date.now(), op: 'remove', path, ok: !code });
      if (code) throw fsError(code, path);
      return disk.delete(path);
    },
  };
  return {
    files,
    disk,
    calls,
    fail,
    /** Holds writes of `content` until the returned function is called. */
    hold(content: string): () => void {
      let open!: () => void;
      gate = { content, promise: new Promise((resolve) => (open = resolve)) };
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

function setup(t: { teardown(fn: () => unknown): void }, backoff = { min: 1000, max: 8000 }) {
  const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  t.teardown(() => clock.uninstall());
  const mem = memoryFiles();
  const log = recordingLog();
  const m = recordingMetrics();
  const writer = new RetryingFileWriter(mem.files, { owner: 'upstream-confd', log: log.log, metrics: m.metrics, backoff: { ...backoff, random: () => 1 } });
  return { clock, writer, ...mem, ...log, ...m };
}

test.serial('a write that fails is retried with exponential backoff until it lands, without another write asked for', async (t) => {
  const { clock, writer, disk, calls, fail, at, gauges, counters } = setup(t);
  disk.set('/data/a', 'old\n');
  fail.set('*', 'ENOSPC');
  t.is(await writer.write('/data/a', 'new\n'), 'pending');
  t.true(writer.isPending('/data/a'));
  await clock.tickAsync(15_000); // attempts at 1 s, 3 s, 7 s, 15 s
  fail.clear();
  await clock.tickAsync(30_000);
  t.deepEqual(calls.map((c) => [c.at, c.ok]), [[0, false], [1000, false], [3000, false], [7000, false], [15_000, false], [23_000, true]], 'the delay doubles, capped at max');
  t.is(disk.get('/data/a'), 'new\n');
  t.is(writer.pending, 0);
  await clock.tickAsync(600_000);
  t.is(calls.length, 6, 'nothing more once it landed');

  t.deepEqual(gauges.map((g) => [g.name, g.labels, g.value]), [
    ['mmsd_file_writes_pending', { plugin: 'upstream-confd' }, 0],
    ['mmsd_file_writes_pending', { plugin: 'upstream-confd' }, 1],
    ['mmsd_file_writes_pending', { plugin: 'upstream-confd' }, 0],
  ]);
  t.deepEqual(counters.map((c) => [c.name, c.labels]), Array(5).fill(['mmsd_file_write_failures_total', { plugin: 'upstream-confd', code: 'ENOSPC' }]));
  const warnings = at('warn');
  t.is(warnings.length, 1, 'the first failure is logged, the retries are not');
  t.regex(warnings[0]!, /^cannot write \/data\/a: ENOSPC: .*; free space on the filesystem of \/data; retrying until it works$/);
  t.deepEqual(at('info'), ['wrote /data/a after 5 failed attempts in 23 s']);
});

test.serial('EACCES and EIO are logged with their own fix, and retried until they work too', async (t) => {
  const { clock, writer, disk, fail, at } = setup(t);
  fail.set('/data/a', 'EACCES');
  fail.set('/var/run/b', 'EIO');
  disk.set('/var/run/b', 'b');
  await writer.write('/data/a', 'a');
  await writer.remove('/var/run/b');
  await clock.tickAsync(10_000);
  const warnings = at('warn');
  t.is(warnings.length, 2);
  t.regex(warnings[0]!, /^cannot write \/data\/a: EACCES: .*; check permissions of \/data and \/data\/a/);
  t.regex(warnings[1]!, /^cannot remove \/var\/run\/b: EIO: .*; the disk under \/var\/run reports I\/O errors/);
  t.is(writer.pending, 2);
  t.is(writeFailureHint('EROFS', '/x/y'), '/x is on a read-only filesystem: remount it read-write or configure another path');
  fail.clear();
  await clock.tickAsync(10_000);
  t.is(disk.get('/data/a'), 'a');
  t.false(disk.has('/var/run/b'));
  t.deepEqual(at('info'), ['wrote /data/a after 4 failed attempts in 15 s', 'removed /var/run/b after 4 failed attempts in 15 s']);
});

test.serial('a newer content supersedes a pending one: the older one is never written again', async (t) => {
  const { clock, writer, disk, calls, fail } = setup(t);
  fail.set('*', 'EIO');
  await writer.write('/data/a', 'first');
  await clock.tickAsync(1000);
  t.is(await writer.write('/data/a', 'second'), 'pending');
  t.is(writer.pending, 1, 'one path, one pending write');
  fail.clear();
  await clock.tickAsync(10_000);
  t.is(disk.get('/data/a'), 'second');
  t.deepEqual(calls.map((c) => c.content), ['first', 'first', 'second', 'second']);
});

test.serial('writes of one path run one at a time, in order: a slow older write never lands over a newer one', async (t) => {
  const { clock, writer, disk, calls, hold } = setup(t);
  const open = hold('older');
  const older = writer.write('/data/a', 'older');
  await clock.tickAsync(0); // in flight
  const skipped = writer.write('/data/a', 'middle');
  const newer = writer.write('/data/a', 'newer');
  await clock.tickAsync(0);
  t.deepEqual(calls, [], 'the newer ones wait for the one in flight');
  open();
  t.is(await older, 'created');
  t.is(await skipped, 'pending', 'superseded before its turn: never written');
  t.is(await newer, 'updated');
  t.deepEqual(calls.map((c) => c.content), ['older', 'newer']);
  t.is(disk.get('/data/a'), 'newer');
});

test.serial('a removal supersedes a pending write, and a write a pending removal', async (t) => {
  const { clock, writer, disk, fail } = setup(t);
  fail.set('*', 'ENOSPC');
  await writer.write('/data/a', 'a');
  t.is(await writer.remove('/data/a'), 'pending');
  disk.set('/data/b', 'b');
  await writer.remove('/data/b');
  await writer.write('/data/b', 'b2');
  fail.clear();
  await clock.tickAsync(2000);
  t.false(disk.has('/data/a'));
  t.is(disk.get('/data/b'), 'b2');
  t.is(writer.pending, 0);
});

test.serial('retryNow (a full resync) retries at once, and the scheduled retry is dropped', async (t) => {
  const { clock, writer, disk, calls, fail } = setup(t, { min: 60_000, max: 60_000 });
  fail.set('*', 'ENOSPC');
  await writer.write('/data/a', 'a');
  fail.clear();
  await writer.retryNow();
  t.is(disk.get('/data/a'), 'a', 'without waiting for the backoff');
  await clock.tickAsync(120_000);
  t.is(calls.length, 2);
});

test.serial('stop: no retries after shutdown; what was not applied is named', async (t) => {
  const { clock, writer, calls, fail, at } = setup(t);
  fail.set('*', 'ENOSPC');
  await writer.write('/data/a', 'a');
  await writer.stop();
  await clock.tickAsync(3_600_000);
  t.is(calls.length, 1);
  t.deepEqual(at('warn').slice(1), ['stopping with 1 file change not applied: /data/a']);
});

test.serial('many failing paths: five are logged one by one, the others once together; recovery likewise', async (t) => {
  const { clock, writer, fail, at } = setup(t);
  fail.set('*', 'ENOSPC');
  for (let i = 0; i < 8; i++) await writer.write(`/data/f${i}`, 'x');
  await clock.tickAsync(60_000);
  const warnings = at('warn');
  t.is(warnings.length, 6);
  t.regex(warnings[5]!, /^more files cannot be written \(ENOSPC on \/data\/f5, …\); all of them are retried \(metric mmsd_file_writes_pending\)$/);
  fail.clear();
  await clock.tickAsync(10_000);
  const infos = at('info');
  t.is(infos.length, 6);
  t.is(infos[5], 'all 8 files that could not be written are written now');
  t.is(writer.pending, 0);
});

test.serial('after: a new file waits for its manifest, and lands after it', async (t) => {
  const { clock, writer, disk, calls, fail } = setup(t);
  fail.set('/data/.manifest', 'EACCES');
  await writer.write('/data/.manifest', '["a"]');
  t.is(await writer.write('/data/a', 'a', { after: '/data/.manifest' }), 'pending');
  t.false(disk.has('/data/a'), 'not before the manifest lists it');
  t.true(writer.isPending('/data/a'));
  fail.clear();
  await clock.tickAsync(1000);
  t.is(disk.get('/data/a'), 'a');
  const landed = calls.filter((c) => c.ok).map((c) => c.path);
  t.deepEqual(landed, ['/data/.manifest', '/data/a']);
});
