import test from 'ava';
import { readdir, readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHooks, createStaticResolver, fileHelpersForTests, StateStore } from './support.js';
import type { MarathonApp, PluginContext, StatusUpdateEvent } from '@mmsd/core';
import plugin, { MANIFEST, renderUpstreamFiles } from '../src/index.js';
import type { UpstreamConfdOptions } from '../src/index.js';
import { fixture } from '../../../test/helpers/paths.js';
import { tempDir } from '../../../test/helpers/tmp.js';

const FRONTEND_UP = 'staging_web_frontend.instance-c41a9e77-1de3-11eb-a0f1-0242ac110006._app.1';

async function apps(): Promise<MarathonApp[]> {
  return (JSON.parse(await readFile(fixture('apps-embed-tasks.json'), 'utf8')) as { apps: MarathonApp[] }).apps;
}

/** The plugin applied to fresh hooks, writing into a new temp dir (or `dir`). */
async function setup(t: { teardown(fn: () => unknown): void }, dir?: string) {
  const target = dir ?? join(await tempDir(t, 'mmsd-confd-'), 'confd');
  const hooks = createHooks({ onFailure: (f) => { throw f.error; } });
  const ctx = {
    name: 'upstream-confd',
    options: { dir: target, mode: 0o644 },
    configDir: '/',
    files: fileHelpersForTests,
    log: { debug() {}, info() {}, warn() {}, error() {}, fatal() {}, child() { return this; }, component: 't' },
  } as unknown as PluginContext<UpstreamConfdOptions>;
  await plugin.apply(hooks, ctx);
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver({}) });
  const publish = async () => {
    const pub = store.publish();
    if (pub) await hooks.onSnapshot.promise(pub.snapshot, pub.changes);
    return pub;
  };
  return { dir: target, store, publish, hooks };
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

test('the plugin has no run-time dependency on @mmsd/core', async (t) => {
  for (const file of ['index.js', 'format.js', 'writer.js', 'manifest.js']) {
    t.notRegex(await readFile(new URL(`../dist/${file}`, import.meta.url), 'utf8'), /from ['"]@mmsd\/core['"]/, file);
  }
});
