import test from 'ava';
import { readFile } from 'node:fs/promises';
import type { MarathonApp, ServiceChange, Snapshot } from '@mmsd/core';
import { LoadedStructure, serviceKey, structureOf } from '../src/structure.js';
import { buildView } from '../src/view.js';
import type { HaproxyView, ServiceView } from '../src/view.js';
import { optionsDefaults, snapshotOf } from './support.js';

const service = (labels: Record<string, string>, port = 10000): ServiceView =>
  ({
    name: 'web',
    mode: 'tcp',
    bind: '0.0.0.0',
    port,
    check: { kind: 'tcp', lines: [] },
    servers: [],
    unresolved: [],
    service: { name: 'web', labels, vhosts: [], proxyProtocol: undefined, vhostDefault: false },
  }) as unknown as ServiceView;
const view = (...services: ServiceView[]) => ({ services }) as unknown as HaproxyView;

test('the structure of a config is all but its server lines and comments', (t) => {
  const a = 'listen web\n  bind :1\n  server a 10.0.0.1:1 check\n# note\n';
  t.is(structureOf(a), structureOf('listen web\n  bind :1\n  server b 10.0.0.2:2\n'));
  t.not(structureOf(a), structureOf('listen web\n  bind :2\n  server a 10.0.0.1:1 check\n'));
});

test('a service whose key is unchanged changes at run time; the rendered structure decides a reload', (t) => {
  const loaded = new LoadedStructure();
  loaded.loaded({ view: view(service({})), structure: 'S1' });
  t.true(loaded.atRuntime(service({})));
  t.false(loaded.atRuntime(service({ extra: 'label' })), 'a new label may be rendered: a render decides');
  t.false(loaded.atRuntime(service({}, 10001)));
  t.false(loaded.needsReload({ view: view(service({ extra: 'label' })), structure: 'S1' }), 'a label no line shows costs no reload');
  t.true(loaded.needsReload({ view: view(service({}, 10001)), structure: 'S2' }));
  loaded.installed(view(service({ extra: 'label' })));
  t.true(loaded.atRuntime(service({ extra: 'label' })));
  t.is(serviceKey(service({ a: '1' })), serviceKey(service({ a: '1' })));
});

test('static-rr (HAProxy cannot add or delete its servers at run time): which servers is structure, their states are not', (t) => {
  const withServers = (balance: string, ...names: string[]) => ({ ...service({}), balance, servers: names.map((name) => ({ name, state: 'ready' })) }) as unknown as ServiceView;
  const loaded = new LoadedStructure();
  loaded.loaded({ view: view(withServers('static-rr', 'a'), { ...withServers('roundrobin', 'a'), name: 'rr', service: { ...withServers('roundrobin').service, name: 'rr' } } as ServiceView), structure: 'S' });
  t.true(loaded.atRuntime({ ...withServers('static-rr', 'a'), servers: [{ name: 'a', state: 'maint' }] } as unknown as ServiceView), 'a state change is a runtime change');
  t.false(loaded.atRuntime(withServers('static-rr', 'a', 'b')), 'a new server is not');
  t.true(loaded.needsReload({ view: view(withServers('static-rr', 'a', 'b')), structure: 'S' }), 'and reloads though no other line changed');
  t.false(loaded.needsReload({ view: view(withServers('static-rr', 'a')), structure: 'S' }));
  const rr = { ...withServers('roundrobin', 'a', 'b'), name: 'rr', service: { ...withServers('roundrobin').service, name: 'rr' } } as unknown as ServiceView;
  t.true(loaded.atRuntime(rr), 'a dynamic balance takes servers at run time');
});

test('classify: task changes of a loaded TCP service go to the runtime API; a new port or a new service to a reload', async (t) => {
  const apps = (JSON.parse(await readFile(new URL('./fixtures/labels.json', import.meta.url), 'utf8')) as { apps: MarathonApp[] }).apps;
  const site = apps.find((a) => a.id === '/web/site')!;
  const options = optionsDefaults();
  const before = snapshotOf(apps);
  const loaded = new LoadedStructure();
  loaded.loaded({ view: buildView(before, options), structure: 'S' });
  const changes = (after: Snapshot, name: string): ServiceChange[] => [{ name, before: before.services.get(name), after: after.services.get(name) } as ServiceChange];
  const others = apps.filter((a) => a !== site);
  const fewerTasks = snapshotOf([...others, { ...site, tasks: site.tasks!.slice(1) }]);
  t.deepEqual(loaded.classify(changes(fewerTasks, 'web.site'), options), { structural: false, runtime: ['web.site'] });
  const newPort = snapshotOf([...others, { ...site, portDefinitions: [{ ...site.portDefinitions![0]!, port: 11999 }] }]);
  t.true(loaded.classify(changes(newPort, 'web.site'), options).structural);
  const added = snapshotOf([...apps, { ...site, id: '/web/other' }]);
  t.true(loaded.classify(changes(added, 'web.other'), options).structural);
  t.deepEqual(loaded.classify([], options), { structural: false, runtime: [] });
});
