// The plugin's own tests: `npm test` (node --test), nothing to install. The snapshot, hooks and
// context are built by hand here, as mmsd hands them to a plugin (docs/writing-a-plugin.md).
// With @mmsd/core as a devDependency, @mmsd/core/testing gives the real ones instead:
// snapshotOf(marathonApps), createHooks() + scopeHooks(), pluginContext(options).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import test from 'node:test';
import plugin, { render } from './index.js';

const backend = (host, port, health) => ({ taskId: `${host}-${port}`, host, address: host, port, state: 'TASK_RUNNING', health });
const service = (name, servicePort, backends) => ({ appId: `/${name}`, name, servicePort, backends, portIndex: 0, transport: 'tcp', proto: 'http', labels: {}, groups: [], vhosts: [], vhostDefault: false, proxyProtocol: 0 });
const snapshot = (services) => ({ apps: new Map(), services: new Map(services.map((s) => [s.name, s])), excluded: new Map(), version: 1 });

/** What apply() gets, reduced to what this plugin uses; taps and log lines are recorded. */
function harness(options, dir, mode = 'run') {
  const taps = {};
  const tap = (hook) => (fn) => void (taps[hook] = fn);
  const hooks = new Proxy({}, { get: (_, hook) => ({ tap: tap(hook), tapPromise: tap(hook), tapAsync: tap(hook), isUsed: () => true }) });
  const logged = [];
  const health = [];
  const ctx = {
    name: plugin.name,
    options,
    mode,
    log: { debug() {}, info: (...args) => logged.push(args), warn() {}, error() {}, fatal() {} },
    resolvePath: (path) => resolve(dir, path),
    files: {
      write: (path, content) => writeFile(path, content),
      ensureDirs: (dirs) => Promise.all(dirs.map((d) => mkdir(d.path, { recursive: true }))),
    },
    health: { ok: () => health.push('ok'), failing: (reason) => health.push(`failing ${reason}`) },
  };
  return { hooks, ctx, taps, logged, health };
}

const web = service('web', 10001, [backend('10.0.0.1', 31000, 'up'), backend('10.0.0.2', 31001, 'down')]);

test('render: a line per service with its up backends', () => {
  assert.equal(render(snapshot([web, service('api', 10002, [])])), 'api 10002 \nweb 10001 10.0.0.1:31000\n');
});

test('run: onSnapshot writes what onRender renders; task changes are logged', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), `${plugin.name}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { hooks, ctx, taps, logged, health } = harness({ file: 'out/services.txt' }, dir);
  await plugin.apply(hooks, ctx);
  await taps.onSnapshot(snapshot([web]));
  const written = await readFile(join(dir, 'out', 'services.txt'), 'utf8');
  const [artifact] = taps.onRender([], snapshot([web]));
  assert.equal(artifact.content, written, 'one render path');
  assert.deepEqual(health, ['ok']);
  taps.onTaskChanged({ type: 'updated', appId: '/web', taskId: 't1', after: { health: 'up' } });
  assert.deepEqual(logged, [['task %s of %s %s (health %s)', 't1', '/web', 'updated', 'up']]);
});

test('render mode writes nothing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), `${plugin.name}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { hooks, ctx, taps } = harness({ file: 'out/services.txt' }, dir, 'render');
  await plugin.apply(hooks, ctx);
  await taps.onSnapshot(snapshot([web]));
  await assert.rejects(readFile(join(dir, 'out', 'services.txt')));
});
