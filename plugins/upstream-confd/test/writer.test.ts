import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHooks, createStaticResolver, fileHelpersForTests, flakyFiles, pluginContext, scopeHooks, StateStore, tempDir, waitFor } from './support.js';
import type { FileHelpers, MarathonApp, StatusUpdateEvent } from '@mmsd/core';
import plugin, { MANIFEST, renderUpstreamFiles } from '../src/index.js';
import type { UpstreamConfdOptions } from '../src/index.js';
import { fixture } from '../../../test/helpers/paths.js';

const FRONTEND_UP = 'staging_web_frontend.instance-c41a9e77-1de3-11eb-a0f1-0242ac110006._app.1';

async function apps(): Promise<MarathonApp[]> {
  return (JSON.parse(await readFile(fixture('apps-embed-tasks.json'), 'utf8')) as { apps: MarathonApp[] }).apps;
}

/** The plugin applied to fresh hooks, writing into a new temp dir (or `dir`) with `files`; what it logs in `lines`. */
async function setup(t: { teardown(fn: () => unknown): void }, dir?: string, files: FileHelpers = fileHelpersForTests) {
  const target = dir ?? join(await tempDir(t, 'mmsd-confd-'), 'confd');
  const hooks = createHooks({ onFailure: (f) => { throw f.error; } });
  const ctx = pluginContext<UpstreamConfdOptions>({ dir: target, mode: 0o644 }, { name: 'upstream-confd', configDir: '/', files });
  const lines = ctx.logged;
  await plugin.apply(scopeHooks(hooks, ctx.name), ctx);
  t.teardown(() => hooks.onShutdown.promise());
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver({}) });
  const publish = async () => {
    const pub = store.publish();
    if (pub) await hooks.onSnapshot.promise(pub.snapshot, pub.changes);
    return pub;
  };
  return { dir: target, store, publish, hooks, lines };
}

async function files(dir: string): Promise<Record<string, { content: string; mtimeMs: number; ino: number }>> {
  const out: Record<string, { content: string; mtimeMs: number; ino: number }> = {};
  for (const name of (await readdir(dir)).sort()) {
    const s = await stat(join(dir, name));
    out[name] = { content: await readFile(join(dir, name), 'utf8'), mtimeMs: s.mtimeMs, ino: s.ino };
  }
  return out;
}

function status(taskId: string, taskStatus: string, appId = '/staging/web/frontend'): StatusUpdateEvent {
  return { eventType: 'status_update_event', appId, taskId, taskStatus };
}

test('the first snapshot writes every file (creating the directory) and the manifest; run writes what render shows', async (t) => {
  const { dir, store, publish } = await setup(t);
  store.replaceAll(await apps());
  const pub = await publish();
  const onDisk = await files(dir);
  t.deepEqual(Object.keys(onDisk), [MANIFEST, ...renderUpstreamFiles(pub!.snapshot, dir).map((a) => a.path.slice(dir.length + 1))].sort());
  for (const artifact of renderUpstreamFiles(pub!.snapshot, dir)) t.is(onDisk[artifact.path.slice(dir.length + 1)]!.content, artifact.content);
  t.is((await stat(join(dir, 'staging.web.frontend.instances'))).mode & 0o777, 0o644);
});

test('only the files of changed services are written, and only when their content changes', async (t) => {
  const { dir, store, publish } = await setup(t);
  store.replaceAll(await apps());
  await publish();
  const old = new Date(Date.now() - 60_000);
  for (const name of await readdir(dir)) await utimes(join(dir, name), old, old);
  const before = await files(dir);

  // The frontend's healthy task goes away: its file changes, nothing else does.
  store.applyStatusUpdate(status(FRONTEND_UP, 'TASK_KILLING'));
  await publish();
  const after = await files(dir);
  t.is(after['staging.web.frontend.instances']!.content.endsWith('Health-Check-Proto: http\n\n'), true, 'no up backend: the header stays');
  t.not(after['staging.web.frontend.instances']!.ino, before['staging.web.frontend.instances']!.ino, 'replaced by rename');
  for (const name of Object.keys(before)) {
    if (name === 'staging.web.frontend.instances') continue;
    t.is(after[name]!.mtimeMs, before[name]!.mtimeMs, `${name} untouched`);
  }

  // KILLED: the backend was already not up; the file's content is the same, so it is not touched.
  const killed = after['staging.web.frontend.instances']!;
  store.applyStatusUpdate(status(FRONTEND_UP, 'TASK_KILLED'));
  await publish();
  t.is((await files(dir))['staging.web.frontend.instances']!.ino, killed.ino);
});

test('the file of a service that goes away is removed; files mmsd did not write are left alone', async (t) => {
  const { dir, store, publish } = await setup(t);
  store.replaceAll(await apps());
  await publish();
  await writeFile(join(dir, 'hand-made.instances'), 'mine\n');
  await writeFile(join(dir, 'notes.txt'), 'mine too\n');
  store.removeApp('/developer/trapni/php');
  await publish();
  const names = await readdir(dir);
  t.false(names.includes('developer.trapni.php.instances'));
  t.false(names.includes('developer.trapni.php_1.instances'));
  t.true(names.includes('hand-made.instances'));
  t.true(names.includes('notes.txt'));
  t.false(JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')).files.includes('developer.trapni.php.instances'));
});

test('a restart with unchanged state rewrites nothing; files of services gone meanwhile are removed', async (t) => {
  const first = await setup(t);
  first.store.replaceAll(await apps());
  await first.publish();
  const before = await files(first.dir);

  const second = await setup(t, first.dir);
  second.store.replaceAll(await apps());
  await second.publish();
  t.deepEqual(await files(first.dir), before, 'same content, same inode, same mtime');

  const third = await setup(t, first.dir);
  third.store.replaceAll((await apps()).filter((a) => a.id !== '/staging/web/frontend'));
  await third.publish();
  t.false((await readdir(first.dir)).includes('staging.web.frontend.instances'));
});

test('a resync writes again a file that was deleted by hand', async (t) => {
  const { dir, store, publish } = await setup(t);
  store.replaceAll(await apps());
  await publish();
  await unlink(join(dir, 'production.redis.master.instances'));
  store.replaceAll(await apps());
  await publish();
  t.true((await readdir(dir)).includes('production.redis.master.instances'));
});

/** The content the file of `service` should have in the store's current state. */
function expected(store: InstanceType<typeof StateStore>, dir: string, service: string): string {
  return renderUpstreamFiles(store.snapshot, dir).find((a) => a.path === join(dir, `${service}.instances`))!.content;
}

test('a write that failed is retried: once writes work again the file is right, without another change of its service', async (t) => {
  const flaky = flakyFiles();
  const { dir, store, publish, lines } = await setup(t, undefined, flaky.files);
  store.replaceAll(await apps());
  await publish();
  const file = join(dir, 'staging.web.frontend.instances');
  const before = await readFile(file, 'utf8');

  flaky.failWith('ENOSPC', (path) => path === file);
  store.applyStatusUpdate(status(FRONTEND_UP, 'TASK_KILLING'));
  await publish(); // no hook failure: the write is pending
  t.is(await readFile(file, 'utf8'), before, 'the write failed');
  const wanted = expected(store, dir, 'staging.web.frontend');
  t.not(wanted, before);
  await waitFor(() => flaky.failed.length >= 3, { what: 'retries' });
  t.true(flaky.failed.every((p) => p === file), 'only the failed file is retried');

  flaky.heal();
  await waitFor(async () => (await readFile(file, 'utf8')) === wanted, { what: 'the retried write' });
  t.deepEqual(lines.filter((l) => l.startsWith('warn')), [
    `warn cannot write ${file}: ENOSPC: injected failure, open '${file}'; free space on the filesystem of ${dir}; retrying until it works`,
  ]);
  t.true(lines.some((l) => l.startsWith(`info wrote ${file} after `)));
  t.deepEqual((await readdir(dir)).filter((f) => f.includes('.tmp-')), []);
});

test('a removal that failed is retried; the name stays in the manifest until the file is gone', async (t) => {
  const flaky = flakyFiles();
  const { dir, store, publish } = await setup(t, undefined, flaky.files);
  store.replaceAll(await apps());
  await publish();
  const file = join(dir, 'production.redis.master.instances');
  const listed = async () => (JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as { files: string[] }).files.includes('production.redis.master.instances');

  flaky.failWith('EIO', (path) => path === file);
  store.removeApp('/production/redis/master');
  await publish();
  t.true((await readdir(dir)).includes('production.redis.master.instances'));
  t.true(await listed(), 'still ours to remove');
  flaky.heal();
  await waitFor(async () => !(await readdir(dir)).includes('production.redis.master.instances'), { what: 'the retried removal' });
  store.replaceAll((await apps()).filter((a) => a.id !== '/production/redis/master'));
  await publish(); // a full resync
  t.false(await listed());
});

test('a full resync retries what is pending at once, without waiting for the backoff', async (t) => {
  const flaky = flakyFiles({ min: 3_600_000, max: 3_600_000 });
  const { dir, store, publish } = await setup(t, undefined, flaky.files);
  store.replaceAll(await apps());
  await publish();
  const file = join(dir, 'staging.web.frontend.instances');
  flaky.failWith('EACCES', (path) => path === file);
  store.applyStatusUpdate(status(FRONTEND_UP, 'TASK_KILLING'));
  await publish();
  flaky.heal();
  const killing = (await apps()).map((a) =>
    a.id === '/staging/web/frontend' ? { ...a, tasks: a.tasks!.map((x) => (x.id === FRONTEND_UP ? { ...x, state: 'TASK_KILLING' } : x)) } : a,
  );
  store.replaceAll(killing);
  const pub = await publish();
  t.true(pub!.changes.full);
  t.false(pub!.changes.services.some((c) => c.after?.name === 'staging.web.frontend'), 'the resync changes nothing of that service');
  t.is(await readFile(file, 'utf8'), expected(store, dir, 'staging.web.frontend'));
});

test('a new file is created only once the manifest that lists it is saved', async (t) => {
  const flaky = flakyFiles();
  const { dir, store, publish } = await setup(t, undefined, flaky.files);
  const all = await apps();
  store.replaceAll(all.filter((a) => a.id !== '/production/redis/master'));
  await publish();
  flaky.failWith('ENOSPC', (path) => path === join(dir, MANIFEST));
  store.replaceAll(all);
  await publish();
  t.false((await readdir(dir)).includes('production.redis.master.instances'), 'not before the manifest lists it');
  flaky.heal();
  await waitFor(async () => (await readdir(dir)).includes('production.redis.master.instances'), { what: 'the new file' });
  t.true((JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as { files: string[] }).files.includes('production.redis.master.instances'));
});

test('at start, temp files a killed mmsd left are removed; those of others and of a live writer are kept', async (t) => {
  const dir = join(await tempDir(t, 'mmsd-confd-'), 'confd');
  await mkdir(dir);
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const stale = [`.staging.web.frontend.instances.tmp-${dead}-1`, `.${MANIFEST}.tmp-${dead}-2`, `.gone.instances.tmp-${process.pid}-3`];
  const kept = [`.haproxy.cfg.tmp-${dead}-1`, `.other.instances.tmp-${process.ppid}-4`, 'notes.instances.tmp-1-1'];
  for (const name of [...stale, ...kept]) await writeFile(join(dir, name), 'partial');
  const { store, publish, lines } = await setup(t, dir);
  store.replaceAll(await apps());
  await publish();
  const names = await readdir(dir);
  for (const name of stale) t.false(names.includes(name), name);
  for (const name of kept) t.true(names.includes(name), name);
  t.true(lines.includes(`info removed 3 temp files left by a killed mmsd in ${dir}`));
});

test('the plugin has no run-time dependency on @mmsd/core', async (t) => {
  for (const file of ['index.js', 'format.js', 'writer.js', 'manifest.js']) {
    t.notRegex(await readFile(new URL(`../dist/${file}`, import.meta.url), 'utf8'), /from ['"]@mmsd\/core['"]/, file);
  }
});
