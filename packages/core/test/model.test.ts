import test from 'ava';
import type { Service } from '../src/model/types.js';
import { normalizeApp } from '../src/model/from-marathon.js';
import { toMarathonApp } from '../src/model/to-marathon.js';
import { instanceIdOf, serviceName } from '../src/model/ids.js';
import { loadApps, storeWith } from './helpers.js';
import { StateStore } from '../src/state/store.js';
import { createStaticResolver } from '../src/model/address-resolver.js';

function services(store: ReturnType<typeof storeWith>): Map<string, Service> {
  return new Map([...store.publish()!.snapshot.services.values()].map((s) => [s.name, s]));
}

const backends = (s: Service | undefined) => s?.backends.map((b) => `${b.health} ${b.host}:${b.port} ${b.address ?? '-'}`);

test('service names: port index 0 keeps the dotted id, index i > 0 gets _i', (t) => {
  t.is(serviceName('/developer/trapni/php', 0), 'developer.trapni.php');
  t.is(serviceName('/developer/trapni/php', 1), 'developer.trapni.php_1');
  t.is(serviceName('/a', 12), 'a_12');
});

test('instance ids of task ids, for Marathon 1.8+, 1.4–1.7 and unknown shapes', (t) => {
  t.is(instanceIdOf('developer_trapni_php.instance-2a8d7e41-1cf2-11eb-9c2e-0242ac110004._app.1'), 'developer_trapni_php.instance-2a8d7e41-1cf2-11eb-9c2e-0242ac110004');
  t.is(instanceIdOf('developer_trapni_php.2a8d7e41-1cf2-11eb-9c2e-0242ac110004'), 'developer_trapni_php.marathon-2a8d7e41-1cf2-11eb-9c2e-0242ac110004');
  t.is(instanceIdOf('pod.instance-abc.web.2'), 'pod.instance-abc');
  t.is(instanceIdOf('whatever'), 'whatever');
});

test('Marathon 1.10: host networking, two ports, port labels, HTTP check', (t) => {
  const s = services(storeWith(loadApps('apps-embed-tasks.json')));
  const php = s.get('developer.trapni.php')!;
  t.like(php, {
    appId: '/developer/trapni/php',
    portIndex: 0,
    servicePort: 10001,
    transport: 'tcp',
    proto: 'http',
    vhostDefault: true,
    proxyProtocol: 1,
  });
  t.deepEqual(php.groups, ['developer']);
  t.deepEqual(php.vhosts, ['php.trapni.dev.example.com', '*.php.trapni.dev.example.com']);
  t.deepEqual(php.healthCheck, { protocol: 'http', marathonProtocol: 'HTTP', path: '/health', intervalSeconds: 10, timeoutSeconds: 5 });
  t.deepEqual(php.labels, {
    owner: 'trapni',
    team: 'developer',
    'lb-group': 'developer',
    'lb-vhost': 'php.trapni.dev.example.com,*.php.trapni.dev.example.com',
    'lb-vhost-default': '1',
    'lb-proxy-protocol': '1',
  });
  t.deepEqual(backends(php), [
    'up mesos-agent-1.dc1.example.internal:31201 10.0.1.11',
    'up mesos-agent-2.dc1.example.internal:31644 10.0.1.12',
  ]);
  const php1 = s.get('developer.trapni.php_1')!;
  t.like(php1, { portIndex: 1, servicePort: 10002, proto: 'tcp', transport: 'tcp', vhostDefault: false, proxyProtocol: 0 });
  t.is(php1.healthCheck, undefined, 'the HTTP check is on port index 0 only');
  t.deepEqual(php1.labels, { owner: 'trapni', team: 'developer' });
  t.deepEqual(backends(php1), [
    'up mesos-agent-1.dc1.example.internal:31202 10.0.1.11',
    'up mesos-agent-2.dc1.example.internal:31645 10.0.1.12',
  ]);
});

test('Marathon 1.10: Docker bridge with container.portMappings and an app-level proto label', (t) => {
  const redis = services(storeWith(loadApps('apps-embed-tasks.json'))).get('production.redis.master')!;
  t.like(redis, { servicePort: 10201, proto: 'redis-master', transport: 'tcp' });
  t.deepEqual(redis.groups, ['production']);
  t.deepEqual(redis.healthCheck, { protocol: 'tcp', marathonProtocol: 'MESOS_TCP', intervalSeconds: 10, timeoutSeconds: 5 });
  t.deepEqual(backends(redis), ['up mesos-agent-3.dc1.example.internal:31405 10.0.1.13'], 'the agent host and the host port, not the container IP');
});

test('Marathon 1.10: IP per task on a container network uses the task IP and the container port', (t) => {
  const gateway = services(storeWith(loadApps('apps-embed-tasks.json'))).get('production.api.gateway')!;
  t.like(gateway, { servicePort: 10301, proto: 'http' });
  t.deepEqual(gateway.vhosts, ['api.example.com']);
  t.deepEqual(backends(gateway), ['up 9.0.2.5:8080 9.0.2.5', 'up 9.0.3.7:8080 9.0.3.7']);
});

test('Marathon 1.10: a failing health check is down, a staging task unknown, a UDP port has its service', (t) => {
  const s = services(storeWith(loadApps('apps-embed-tasks.json')));
  t.deepEqual(backends(s.get('staging.web.frontend')), [
    'up mesos-agent-2.dc1.example.internal:31877 10.0.1.12',
    'down mesos-agent-3.dc1.example.internal:31290 10.0.1.13',
  ]);
  t.deepEqual(backends(s.get('developer.trapni.worker')), [
    'up mesos-agent-1.dc1.example.internal:31022 10.0.1.11',
    'unknown mesos-agent-3.dc1.example.internal:31588 10.0.1.13',
  ]);
  t.like(s.get('developer.trapni.worker_1'), { transport: 'udp', proto: 'udp', servicePort: 10502 });
  t.false([...s.keys()].some((n) => n.startsWith('developer.trapni.legacy-cron')), 'an app without ports has no service');
  t.is(s.size, 7);
});

test('Marathon 1.4: the same cluster in the pre-1.5 shape gives the same services', (t) => {
  const modern = services(storeWith(loadApps('apps-embed-tasks.json')));
  const store = storeWith(loadApps('apps-embed-tasks.v1.4.json'));
  const snapshot = store.publish()!.snapshot;
  const legacy = new Map([...snapshot.services.values()].map((s) => [s.name, s]));
  for (const name of ['developer.trapni.php', 'developer.trapni.php_1', 'staging.web.frontend', 'developer.trapni.worker', 'developer.trapni.worker_1']) {
    const a = modern.get(name)!;
    const b = legacy.get(name)!;
    t.truthy(b, name);
    t.deepEqual({ ...b, backends: b.backends.map((x) => ({ ...x, taskId: '' })) }, { ...a, backends: a.backends.map((x) => ({ ...x, taskId: '' })) }, name);
  }
  // Bridge port labels live on container.docker.portMappings (the synthesized portDefinitions have none).
  const redis = legacy.get('production.redis.master')!;
  t.deepEqual(redis.groups, ['production']);
  t.deepEqual(backends(redis), ['up mesos-agent-3.dc1.example.internal:31405 10.0.1.13']);
  // A Mesos container on a named network has no service port in 1.4: not exposed.
  t.false(legacy.has('production.api.gateway'));
  t.is(snapshot.excluded.get('production.api.gateway')?.reason, 'no-service-port');
  // Health results keyed by `<app>.marathon-<uuid>` instance ids still count.
  t.is(snapshot.apps.get('/developer/trapni/worker')!.tasks.size, 2);
});

test('Marathon 1.5 (marathon-lb fixture): bridge app without portDefinitions or health results', (t) => {
  const store = storeWith(loadApps('upstream/marathon-lb/marathon15_apps.json'));
  const s = services(store).get('pywebserver')!;
  // marathon-lb's labels are read too (labels: both, the default): HAPROXY_GROUP, HAPROXY_0_VHOST (http mode).
  t.like(s, { servicePort: 10101, proto: 'http', transport: 'tcp' });
  t.deepEqual(backends(s), ['up 10.0.2.148:1565 10.0.2.148']);
  t.deepEqual([s.groups, s.vhosts], [['external'], ['myvhost.com']]);
  const external = storeWith(loadApps('upstream/marathon-lb/marathon15_apps.json'), ['external']).publish()!.snapshot;
  t.true(external.services.has('pywebserver'), "marathon-lb's --group external");
  const internal = storeWith(loadApps('upstream/marathon-lb/marathon15_apps.json'), ['internal']).publish()!.snapshot;
  t.like(internal.excluded.get('pywebserver'), { reason: 'groups', detail: "HAPROXY_GROUP external not in this agent's groups" });
  // labels: mmsd reads mmsd's own only: HAPROXY_GROUP is not lb-group.
  const own = new StateStore({ groups: ['external'], resolver: createStaticResolver({}), labelRules: { dialect: 'mmsd', strictMode: false } });
  own.replaceAll(loadApps('upstream/marathon-lb/marathon15_apps.json'));
  const mmsdOnly = own.publish()!.snapshot;
  t.is(mmsdOnly.services.size, 0);
  t.like(mmsdOnly.excluded.get('pywebserver'), { reason: 'groups', detail: 'no lb-group label' });
});

test('groups: globs match lb-group names; * exposes even services without the label', (t) => {
  const apps = loadApps('apps-embed-tasks.json');
  const names = (groups: string[]) => [...storeWith(apps, groups).publish()!.snapshot.services.keys()].sort();
  t.deepEqual(names(['production']), ['production.api.gateway', 'production.redis.master']);
  t.deepEqual(names(['dev*']), ['developer.trapni.php', 'developer.trapni.worker']);
  t.deepEqual(names(['staging', 'production']), ['production.api.gateway', 'production.redis.master', 'staging.web.frontend']);
  t.is(names(['*']).length, 7);
  t.deepEqual(names(['nothing']), []);
});

test('a malformed label excludes that one service, with the reason', (t) => {
  const apps = loadApps('apps-embed-tasks.json');
  const php = apps.find((a) => a.id === '/developer/trapni/php')!;
  php.portDefinitions![0]!.labels!['lb-vhost'] = 'ok.example.com,bad host\nbackend evil';
  const snapshot = storeWith(apps).publish()!.snapshot;
  t.false(snapshot.services.has('developer.trapni.php'));
  const excluded = snapshot.excluded.get('developer.trapni.php')!;
  t.is(excluded.reason, 'invalid-label');
  t.regex(excluded.detail, /lb-vhost/);
  t.true(snapshot.services.has('developer.trapni.php_1'), 'the other port of the same app is unaffected');
  t.is(snapshot.services.size, 6);
});

test('normalizeApp → toMarathonApp → normalizeApp gives an equal app (the state file round trip)', (t) => {
  for (const file of ['apps-embed-tasks.json', 'apps-embed-tasks.v1.4.json', 'upstream/marathon-lb/marathon15_apps.json']) {
    for (const raw of loadApps(file)) {
      const app = normalizeApp(raw);
      const again = normalizeApp(toMarathonApp(app));
      t.deepEqual({ ...again, tasks: [...again.tasks.values()] }, { ...app, tasks: [...app.tasks.values()] }, `${file} ${raw.id}`);
    }
  }
});

test('apps without an id are skipped; an id outside the grammar excludes its app; the rest are kept', (t) => {
  const apps = loadApps('apps-embed-tasks.json');
  const store = storeWith([{ id: 'no-slash', portDefinitions: [{ port: 10555 }] } as never, { notAnApp: true } as never, ...apps]);
  const { snapshot } = store.publish()!;
  t.is(snapshot.apps.size, 7);
  t.is(snapshot.excluded.get('"no-slash"')?.reason, 'invalid-id');
  t.is(snapshot.services.size, services(storeWith(apps)).size);
});
