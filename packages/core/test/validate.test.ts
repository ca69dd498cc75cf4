import test from 'ava';
import type { MarathonApp } from '../src/marathon/types.js';
import { createStaticResolver } from '../src/model/address-resolver.js';
import { appIdProblem, isAppId, isHostName, taskProblem } from '../src/model/validate.js';
import { StateStore } from '../src/state/store.js';
import type { Logger } from '../src/log.js';
import { AGENTS } from './helpers.js';

function recordingLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const format = (message: string, args: unknown[]) => {
    let i = 0;
    return message.replace(/%[sdjo]/g, () => String(args[i++]));
  };
  const at = (level: string) => (message: string, ...args: unknown[]) => lines.push(`${level} ${format(message, args)}`);
  const log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger;
  return { log, lines };
}

function app(id: string, tasks: { id: string; host?: unknown; ports?: unknown; ipAddresses?: unknown }[], servicePort = 10100): MarathonApp {
  return {
    id,
    instances: tasks.length,
    networks: [{ mode: 'host' }],
    portDefinitions: [{ port: servicePort, protocol: 'tcp' }],
    tasks: tasks.map((t) => ({
      host: 'mesos-agent-1.dc1.example.internal',
      ports: [31000],
      state: 'TASK_RUNNING',
      startedAt: '2026-01-01T00:00:00.000Z',
      ...t,
    })) as never,
  };
}

test('app ids: Marathon\'s grammar, nothing else', (t) => {
  for (const id of ['/a', '/developer/trapni/php', '/a.b/c-d/0', '/x1.y2']) t.true(isAppId(id), id);
  for (const id of ['', '/', 'a', '/A', '/a_b', '/a//b', '/a/', '/-a', '/a-', '/a..b', '/a b', '/a\nb', '/é', `/${'a'.repeat(2000)}`]) {
    t.false(isAppId(id), JSON.stringify(id));
  }
  t.regex(appIdProblem('/a\nb')!, /app id "\/a\\nb" is not a Marathon app id/);
});

test('task fields: host name or IP literal, ports 1-65535, IPs that are IPs', (t) => {
  const ok = { id: 'web.instance-1._app.1', host: 'mesos-agent-1.dc1.example.internal', ipAddresses: ['10.0.0.1', 'fd00::1'], ports: [1, 31000, 65535] };
  t.is(taskProblem(ok), undefined);
  t.is(taskProblem({ ...ok, id: '' }), 'the task id is empty');
  t.is(taskProblem({ ...ok, id: ' ' }), 'the task id is empty');
  t.is(taskProblem({ ...ok, host: '' }), undefined);
  t.is(taskProblem({ ...ok, host: '10.1.2.3' }), undefined);
  t.is(taskProblem({ ...ok, host: 'fd00::7' }), undefined);
  t.true(isHostName('agent_7.example.org.'));
  for (const host of ['a b', 'a:b', 'a\nserver evil 6.6.6.6:80', 'a/b', '-a', 'a..b', `${'a'.repeat(64)}.org`, '[::1]', 'a\u0000b']) {
    t.regex(taskProblem({ ...ok, host }) ?? '', /^host .* is neither a host name nor an IP address$/, JSON.stringify(host));
  }
  for (const port of [0, -1, 65536, 1.5, Number.NaN]) {
    t.regex(taskProblem({ ...ok, ports: [31000, port] }) ?? '', /^port .* is not a port number \(1-65535\)$/, String(port));
  }
  t.regex(taskProblem({ ...ok, ipAddresses: ['10.0.0.256'] }) ?? '', /^IP address "10.0.0.256" is not an IP address$/);
});

test('a task with a malformed port, host or IP is left out of its services; the others stay', (t) => {
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(AGENTS) });
  store.replaceAll([
    app('/web', [
      { id: 'web.good' },
      { id: 'web.port0', ports: [0] },
      { id: 'web.port-string', ports: ['31001'] },
      { id: 'web.space', host: 'evil host' },
      { id: 'web.newline', host: 'a\nb' },
    ]),
    app('/db', [{ id: 'db.good', ports: [31002] }], 10101),
  ]);
  const { snapshot } = store.publish()!;
  t.deepEqual(snapshot.services.get('web')!.backends.map((b) => b.taskId), ['web.good']);
  t.deepEqual(snapshot.services.get('db')!.backends.map((b) => b.taskId), ['db.good']);
  t.regex(snapshot.apps.get('/web')!.tasks.get('web.port0')!.problem!, /port "0"/);
  t.is(store.rejectedTasks, 4);
});

test('a rejected task is logged once, not at every event or resync, and counted until it goes', (t) => {
  const { log, lines } = recordingLog();
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(AGENTS), log });
  const apps = [app('/web', [{ id: 'web.good' }, { id: 'web.bad', ports: [70000] }])];
  store.replaceAll(apps);
  store.publish();
  for (let i = 0; i < 3; i++) {
    store.replaceAll(apps);
    store.publish();
    store.applyStatusUpdate({ eventType: 'status_update_event', appId: '/web', taskId: 'web.bad', taskStatus: 'TASK_RUNNING', host: 'mesos-agent-1.dc1.example.internal', ports: [70000] } as never);
    store.publish();
  }
  const warnings = lines.filter((l) => l.includes('web.bad'));
  t.deepEqual(warnings, ['warn task "web.bad" of /web is left out of every handler: port "70000" is not a port number (1-65535)']);
  t.is(store.rejectedTasks, 1);
  // A status update with a good port makes it routable again.
  store.applyStatusUpdate({ eventType: 'status_update_event', appId: '/web', taskId: 'web.bad', taskStatus: 'TASK_RUNNING', host: 'mesos-agent-1.dc1.example.internal', ports: [31005] } as never);
  const { snapshot } = store.publish()!;
  t.is(store.rejectedTasks, 0);
  t.deepEqual(snapshot.services.get('web')!.backends.map((b) => b.taskId).sort(), ['web.bad', 'web.good']);
  t.true(lines.includes('info task "web.bad" of /web is routable again'));
  // Gone: no longer counted.
  store.replaceAll([app('/web', [{ id: 'web.good' }, { id: 'web.bad', ports: [0] }])]);
  store.publish();
  t.is(store.rejectedTasks, 1);
  store.replaceAll([app('/web', [{ id: 'web.good' }])]);
  store.publish();
  t.is(store.rejectedTasks, 0);
});

test('an app id outside the grammar excludes that app (logged once), and cannot take a valid service name', (t) => {
  const { log, lines } = recordingLog();
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(AGENTS), log });
  const apps: MarathonApp[] = [
    app('/a_1', [{ id: 'a_1.t1', ports: [31001] }], 10201),
    app('/evil\nid', [{ id: 'evil.t1', ports: [31002] }], 10202),
    { ...app('/a', [{ id: 'a.t1', ports: [31003, 31004] }]), portDefinitions: [{ port: 10203 }, { port: 10204 }] },
  ];
  store.replaceAll(apps);
  const { snapshot } = store.publish()!;
  t.deepEqual([...snapshot.services.keys()].sort(), ['a', 'a_1']);
  t.is(snapshot.services.get('a_1')!.appId, '/a');
  t.is(snapshot.excluded.get('"/a_1"')?.reason, 'invalid-id');
  t.is(snapshot.excluded.get('"/evil\\nid"')?.reason, 'invalid-id');
  store.replaceAll(apps);
  store.publish();
  const said = lines.filter((l) => /is not exposed/.test(l));
  t.deepEqual(said.sort(), [
    'warn app "/a_1" is not exposed: app id "/a_1" is not a Marathon app id (absolute path of segments made of a-z, 0-9, "-" and ".")',
    'warn app "/evil\\nid" is not exposed: app id "/evil\\nid" is not a Marathon app id (absolute path of segments made of a-z, 0-9, "-" and ".")',
  ]);
  t.false(lines.some((l) => l.includes('\n')), 'no log line carries a raw newline');
});
