import test from 'ava';
import { connect } from 'node:net';
import { MarathonSimulator, sampleApps } from '../src/index.js';
import { waitFor } from '../../../test/helpers/wait.js';

/** Collects the event types a stream receives (raw socket, as any client). */
async function listen(sim: MarathonSimulator) {
  const events: { eventType: string; [k: string]: unknown }[] = [];
  const socket = connect(sim.port, '127.0.0.1', () => socket.write('GET /v2/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n'));
  let buffer = '';
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let i: number;
    while ((i = buffer.indexOf('\r\n\r\n')) >= 0) {
      const frame = buffer.slice(0, i);
      buffer = buffer.slice(i + 4);
      const data = /data: (.*)/.exec(frame);
      if (data) events.push(JSON.parse(data[1]!) as { eventType: string });
    }
  });
  await waitFor(() => events.length > 0);
  events.length = 0;
  /** Waits until everything emitted so far has arrived (a marker event is sent and removed). */
  const settle = async () => {
    sim.emit({ eventType: 'test_marker' });
    await waitFor(() => events.some((e) => e.eventType === 'test_marker'));
    events.splice(events.findIndex((e) => e.eventType === 'test_marker'), 1);
  };
  return { events, settle, types: () => events.map((e) => e.eventType), close: () => socket.destroy() };
}

async function started() {
  const sim = await MarathonSimulator.start({ agents: ['agent-a', 'agent-b'] });
  sim.loadApps(sampleApps());
  return sim;
}

test('scale up: the event sequence of Marathon 1.10, and the REST state agrees at the end', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  const stream = await listen(sim);
  t.teardown(stream.close);
  await sim.scaleApp('/developer/trapni/worker', 3);
  await waitFor(() => stream.types().includes('deployment_success'));
  t.deepEqual(stream.types(), [
    'api_post_event',
    'group_change_success',
    'deployment_info',
    'instance_changed_event',
    'status_update_event',
    'instance_changed_event',
    'status_update_event',
    'instance_changed_event',
    'deployment_step_success',
    'deployment_success',
  ]);
  t.deepEqual(
    stream.events.filter((e) => e.eventType === 'instance_changed_event').map((e) => e.condition),
    ['Provisioned', 'Starting', 'Running'],
  );
  t.deepEqual(
    stream.events.filter((e) => e.eventType === 'status_update_event').map((e) => e.taskStatus),
    ['TASK_STARTING', 'TASK_RUNNING'],
  );
  const post = stream.events[0]!;
  t.is((post.appDefinition as { instances: number }).instances, 3);
  const plan = stream.events.at(-1)!.plan as { version: string };
  t.is((post.appDefinition as { version: string }).version, plan.version, 'the app version is the plan version');
  const app = sim.app('/developer/trapni/worker')!;
  t.is(app.instances, 3);
  t.is((app.tasks as unknown[]).length, 3);
  t.deepEqual(app.deployments, []);
});

test('a new task of an app with health checks turns healthy (Marathon check: health_status_changed_event)', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  const stream = await listen(sim);
  t.teardown(stream.close);
  const id = await sim.launchTask('/developer/trapni/php', { host: 'agent-a', ports: [32001, 32002] });
  await waitFor(() => stream.types().includes('health_status_changed_event'));
  const health = stream.events.find((e) => e.eventType === 'health_status_changed_event')!;
  t.like(health, { appId: '/developer/trapni/php', alive: true, instanceId: id.replace(/\._app\.1$/, '') });
  t.deepEqual(Object.keys(health), ['appId', 'instanceId', 'version', 'alive', 'eventType', 'timestamp']);
  const task = sim.task(id)!;
  t.deepEqual(task.ports, [32001, 32002]);
  t.is((task.healthCheckResults as { alive: boolean }[])[0]!.alive, true);
  t.deepEqual(Object.keys(task), ['appId', 'healthCheckResults', 'host', 'id', 'ipAddresses', 'ports', 'servicePorts', 'slaveId', 'state', 'stagedAt', 'startedAt', 'version', 'localVolumes', 'role']);
});

test('kill: KILLING then KILLED, and Marathon launches a replacement', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  const stream = await listen(sim);
  t.teardown(stream.close);
  const victim = sim.tasks('/developer/trapni/php')[0]!.id;
  await sim.killTask(victim);
  await waitFor(() => stream.events.filter((e) => e.eventType === 'health_status_changed_event').length === 1);
  const updates = stream.events.filter((e) => e.eventType === 'status_update_event').map((e) => [e.taskId === victim ? 'victim' : 'new', e.taskStatus]);
  t.deepEqual(updates, [
    ['victim', 'TASK_KILLING'],
    ['victim', 'TASK_KILLED'],
    ['new', 'TASK_STARTING'],
    ['new', 'TASK_RUNNING'],
  ]);
  t.is(sim.tasks('/developer/trapni/php').length, 2);
  t.falsy(sim.task(victim));
});

test('health flips: a Marathon check vs a Mesos check (status update and instance_health_changed_event first)', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  const stream = await listen(sim);
  t.teardown(stream.close);
  await sim.setHealth(sim.tasks('/developer/trapni/php')[0]!.id, false, '500 Internal Server Error');
  await stream.settle();
  t.deepEqual(stream.types(), ['failed_health_check_event', 'health_status_changed_event']);
  stream.events.length = 0;
  await sim.setHealth(sim.tasks('/production/redis/master')[0]!.id, false);
  await stream.settle();
  t.deepEqual(stream.types(), ['status_update_event', 'instance_health_changed_event', 'failed_health_check_event', 'health_status_changed_event']);
  stream.events.length = 0;
  await sim.setHealth(sim.tasks('/production/redis/master')[0]!.id, false);
  await stream.settle();
  t.deepEqual(stream.types(), [], 'no event when nothing flips');
  const result = (sim.tasks('/developer/trapni/php')[0]!.healthCheckResults as Record<string, unknown>[])[0]!;
  t.like(result, { alive: false, lastFailureCause: '500 Internal Server Error', consecutiveFailures: 1 });
  const app = sim.app('/developer/trapni/php')!;
  t.like(app, { tasksHealthy: 1, tasksUnhealthy: 1 });
});

test('delete: the app disappears, its tasks are killed, then app_terminated_event', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  const stream = await listen(sim);
  t.teardown(stream.close);
  await sim.deleteApp('/staging/web/frontend');
  await stream.settle();
  t.deepEqual(stream.types(), [
    'group_change_success',
    'deployment_info',
    'status_update_event',
    'instance_changed_event',
    'status_update_event',
    'instance_changed_event',
    'app_terminated_event',
    'deployment_step_success',
    'deployment_success',
  ]);
  t.is(sim.app('/staging/web/frontend'), undefined);
  t.is((await fetch(`${sim.url}/v2/apps/staging/web/frontend`)).status, 404);
});

test('the write API: create with defaults and assigned service ports, update (restart), scale, kill, delete', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  const created = await fetch(`${sim.url}/v2/apps`, {
    method: 'POST',
    body: JSON.stringify({ id: 'web/new', instances: 2, portDefinitions: [{ port: 0, name: 'http' }], labels: { 'lb-group': 'x' } }),
  });
  t.is(created.status, 201);
  t.truthy(created.headers.get('marathon-deployment-id'));
  const app = sim.app('/web/new')!;
  t.like(app, { id: '/web/new', instances: 2, cpus: 1, mem: 128, executor: '', requirePorts: false, role: '*' });
  t.true((app.portDefinitions as { port: number }[])[0]!.port >= 10000);
  t.is((app.tasks as unknown[]).length, 2);
  t.regex(JSON.stringify(await (await fetch(`${sim.url}/v2/apps/web/new`)).text()), /"mem\\":128\.0/);

  await fetch(`${sim.url}/v2/apps/web/new`, { method: 'PUT', body: JSON.stringify({ labels: { 'lb-group': 'y' } }) });
  t.deepEqual(sim.app('/web/new')!.labels, { 'lb-group': 'y' });
  t.is((sim.app('/web/new')!.tasks as unknown[]).length, 2, 'restarted: new tasks replaced the old ones');

  await fetch(`${sim.url}/v2/apps/web/new`, { method: 'PUT', body: JSON.stringify({ instances: 1 }) });
  t.is((sim.app('/web/new')!.tasks as unknown[]).length, 1);

  const task = sim.tasks('/web/new')[0]!.id;
  await fetch(`${sim.url}/v2/apps/web/new/tasks/${task}?scale=true`, { method: 'DELETE' });
  t.is((sim.app('/web/new')!.tasks as unknown[]).length, 0);

  await fetch(`${sim.url}/v2/apps/web/new`, { method: 'DELETE' });
  t.is(sim.app('/web/new'), undefined);
});

test('legacy health events (Marathon ≤1.3) carry taskId', async (t) => {
  const sim = await MarathonSimulator.start({ legacyHealthEvents: true });
  t.teardown(() => sim.close());
  sim.loadApps(sampleApps());
  const stream = await listen(sim);
  t.teardown(stream.close);
  const task = sim.tasks('/developer/trapni/php')[0]!.id;
  await sim.setHealth(task, false);
  await stream.settle();
  const event = stream.events.find((e) => e.eventType === 'health_status_changed_event')!;
  t.is(event.taskId, task);
  t.false('instanceId' in event);
});
