import test from 'ava';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { MarathonSimulator, SAMPLE_APPS_FILE, SAMPLE_EVENTS_FILE, generateCluster, restJson, sampleApps } from '../src/index.js';
import { fixture } from '../../../test/helpers/paths.js';
import { waitFor } from '../../../test/helpers/wait.js';

/** Pretty-printed JSON → the compact bytes Marathon sends (whitespace outside strings removed). */
function minify(text: string): string {
  return text.replace(/("(?:[^"\\]|\\.)*")|\s+/g, (_m, s: string | undefined) => s ?? '');
}

/** A raw HTTP exchange: everything the server sends within `ms`. */
function raw(port: number, request: string, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('utf8')));
    setTimeout(() => {
      socket.destroy();
      resolve(data);
    }, ms);
  });
}

test('the bundled sample cluster and event stream are the shared fixtures, unchanged', (t) => {
  t.is(readFileSync(SAMPLE_APPS_FILE, 'utf8'), readFileSync(fixture('apps-embed-tasks.json'), 'utf8'));
  t.is(readFileSync(SAMPLE_EVENTS_FILE, 'utf8'), readFileSync(fixture('events.sse'), 'utf8'));
});

test('GET /v2/apps?embed=apps.tasks is byte for byte the 1.10 fixture (key order, 128.0 doubles)', async (t) => {
  const sim = await MarathonSimulator.start();
  t.teardown(() => sim.close());
  sim.loadFile(fixture('apps-embed-tasks.json'));
  const response = await fetch(`${sim.url}/v2/apps?embed=apps.tasks`);
  t.is(response.status, 200);
  t.is(response.headers.get('content-type'), 'application/json');
  t.is(response.headers.get('x-marathon-leader'), sim.url);
  t.is(response.headers.get('cache-control'), 'no-cache, no-store, must-revalidate');
  t.is(await response.text(), minify(readFileSync(fixture('apps-embed-tasks.json'), 'utf8')));
});

test('GET /v2/apps without the tasks embed leaves tasks out but keeps counts and deployments', async (t) => {
  const sim = await MarathonSimulator.start();
  t.teardown(() => sim.close());
  sim.loadApps(sampleApps());
  const { apps } = (await (await fetch(`${sim.url}/v2/apps`)).json()) as { apps: Record<string, unknown>[] };
  t.is(apps.length, 6);
  t.false('tasks' in apps[0]!);
  t.deepEqual(Object.keys(apps[0]!).slice(-5), ['tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy', 'deployments']);
  const worker = apps.find((a) => a.id === '/developer/trapni/worker')!;
  t.like(worker, { tasksStaged: 1, tasksRunning: 1, tasksHealthy: 0, tasksUnhealthy: 0 });
  const filtered = (await (await fetch(`${sim.url}/v2/apps?id=TRAPNI`)).json()) as { apps: unknown[] };
  t.is(filtered.apps.length, 3, 'the id filter is a case-insensitive substring');
});

test('GET /v2/apps/<id>, /v2/apps/<id>/tasks, /v2/tasks (service ports filled), 404s', async (t) => {
  const sim = await MarathonSimulator.start();
  t.teardown(() => sim.close());
  sim.loadApps(sampleApps());
  const one = (await (await fetch(`${sim.url}/v2/apps/developer/trapni/php?embed=app.tasks`)).json()) as { app: { id: string; tasks: unknown[] } };
  t.is(one.app.id, '/developer/trapni/php');
  t.is(one.app.tasks.length, 2);
  const missing = await fetch(`${sim.url}/v2/apps/no/such/app`);
  t.is(missing.status, 404);
  t.deepEqual(await missing.json(), { message: "App '/no/such/app' does not exist" });
  const tasks = (await (await fetch(`${sim.url}/v2/tasks`)).json()) as { tasks: { appId: string; servicePorts: number[] }[] };
  t.deepEqual(tasks.tasks.find((x) => x.appId === '/developer/trapni/php')!.servicePorts, [10001, 10002]);
  const expected = JSON.parse(readFileSync(fixture('v2-tasks.json'), 'utf8')) as { tasks: { id: string; servicePorts: number[] }[] };
  const byId = new Map(tasks.tasks.map((x) => [(x as unknown as { id: string }).id, x]));
  for (const task of expected.tasks) t.deepEqual(byId.get(task.id)?.servicePorts, task.servicePorts, task.id);
  const appTasks = (await (await fetch(`${sim.url}/v2/apps/developer/trapni/php/tasks`)).json()) as { tasks: { servicePorts: number[] }[] };
  t.deepEqual(appTasks.tasks[0]!.servicePorts, [], 'only /v2/tasks fills servicePorts');
});

test('/v2/events: Jetty headers, no chunking, the attach event first, CRLF frames, bare-CRLF heartbeats', async (t) => {
  const sim = await MarathonSimulator.start({ heartbeatInterval: 100 });
  t.teardown(() => sim.close());
  const data = await raw(sim.port, 'GET /v2/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n', 350);
  const [head, body] = data.split('\r\n\r\n', 2) as [string, string];
  t.regex(head, /^HTTP\/1\.1 200 OK\r\n/);
  t.regex(head, /\r\nContent-Type: text\/event-stream;charset=utf-8\r\n/i);
  t.regex(head, /\r\nConnection: close\r\n/i);
  t.notRegex(head, /Transfer-Encoding|Content-Length/i);
  const rest = data.slice(head.length + 4);
  t.regex(rest, /^event: event_stream_attached\r\ndata: \{"remoteAddress":"127\.0\.0\.1","eventType":"event_stream_attached","timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}\r\n\r\n(\r\n)+$/);
  t.true(rest.endsWith('\r\n\r\n\r\n'), 'at least two heartbeats');
  void body;
});

test('/v2/events answers 405 unless Accept is exactly text/event-stream; ?event_type= filters', async (t) => {
  const sim = await MarathonSimulator.start();
  t.teardown(() => sim.close());
  for (const accept of ['text/event-stream, */*', 'text/event-stream;q=1', '*/*']) {
    const response = await fetch(`${sim.url}/v2/events`, { headers: { Accept: accept } });
    t.is(response.status, 405, accept);
    await response.body?.cancel();
  }
  const filtered = raw(sim.port, 'GET /v2/events?event_type=app_terminated_event HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n', 300);
  await waitFor(() => sim.hub.size === 1);
  sim.emit({ eventType: 'status_update_event', appId: '/x' });
  sim.emit({ eventType: 'app_terminated_event', appId: '/x' });
  const text = await filtered;
  t.notRegex(text, /event_stream_attached|status_update_event/);
  t.regex(text, /event: app_terminated_event\r\n/);
});

test('/ping, /v2/info, /v2/leader', async (t) => {
  const sim = await MarathonSimulator.start();
  t.teardown(() => sim.close());
  t.is(await (await fetch(`${sim.url}/ping`)).text(), 'pong');
  t.is(await (await fetch(`${sim.url}/ping`, { headers: { Accept: 'application/json' } })).text(), '"pong"');
  const info = (await (await fetch(`${sim.url}/v2/info`)).json()) as Record<string, unknown>;
  t.deepEqual(Object.keys(info), ['name', 'version', 'buildref', 'elected', 'leader', 'frameworkId', 'marathon_config', 'zookeeper_config', 'http_config']);
  t.is(info.version, '1.10.26');
  t.deepEqual(await (await fetch(`${sim.url}/v2/leader`)).json(), { leader: sim.leader });
});

test('basic auth: every path, the event stream included, needs the credentials', async (t) => {
  const sim = await MarathonSimulator.start({ auth: { basic: 'ops:s3cret' } });
  t.teardown(() => sim.close());
  for (const path of ['/ping', '/v2/apps', '/v2/events']) {
    const response = await fetch(`${sim.url}${path}`, { headers: { Accept: 'text/event-stream' } });
    t.is(response.status, 401, path);
    t.is(response.headers.get('www-authenticate'), 'basic realm="Mesosphere"');
    await response.body?.cancel();
  }
  const ok = await fetch(`${sim.url}/v2/apps`, { headers: { Authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` } });
  t.is(ok.status, 200);
});

test('Jackson vs Play numbers', (t) => {
  t.is(restJson({ mem: 128, cpus: 0.5, instances: 2, upgradeStrategy: { maximumOverCapacity: 1 } }), '{"mem":128.0,"cpus":0.5,"instances":2,"upgradeStrategy":{"maximumOverCapacity":1.0}}');
  t.is(restJson({ mem: 128 }, 'play'), '{"mem":128}');
});

test('a synthetic cluster: N apps × M healthy tasks on distinct host ports', (t) => {
  const { apps } = generateCluster({ apps: 50, tasksPerApp: 4, agents: ['a', 'b'] });
  t.is(apps.length, 50);
  t.true(apps.every((a) => a.tasks.length === 4));
  const endpoints = apps.flatMap((a) => a.tasks.map((x) => `${x.host}:${(x.ports as number[])[0]}`));
  t.is(new Set(endpoints).size, endpoints.length);
  t.is(new Set(apps.map((a) => (a.portDefinitions as { port: number }[])[0]!.port)).size, 50);
});
