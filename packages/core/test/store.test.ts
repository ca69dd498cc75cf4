import test from 'ava';
import type { HealthStatusChangedEvent, InstanceHealthChangedEvent, StatusUpdateEvent } from '../src/marathon/types.js';
import { loadApps, sseEvents, storeWith } from './helpers.js';
import { StateStore } from '../src/state/store.js';

const WORKER_NEW = 'developer_trapni_worker.instance-e8d4a5c0-1de4-11eb-9c2e-0242ac110004._app.1';
const FRONTEND_BAD = 'staging_web_frontend.instance-c41b0cd3-1de3-11eb-a0f1-0242ac110006._app.1';
const REDIS = 'production_redis_master.instance-9d3c41f0-13bb-11eb-8a61-0242ac110007._app.1';

function events(type: string) {
  return sseEvents('events.sse').filter((e) => e.eventType === type);
}

function ready() {
  const store = storeWith(loadApps('apps-embed-tasks.json'));
  store.publish();
  return store;
}

test('a resync with the same data yields no change at all', (t) => {
  const store = ready();
  const before = store.snapshot;
  store.replaceAll(loadApps('apps-embed-tasks.json'));
  const { snapshot, changes } = store.publish()!;
  t.deepEqual([changes.apps, changes.tasks, changes.services], [[], [], []]);
  t.true(changes.full);
  t.false(changes.initial);
  for (const [id, app] of before.apps) t.is(snapshot.apps.get(id), app, `${id} kept its identity`);
  for (const [name, service] of before.services) t.is(snapshot.services.get(name), service, `${name} kept its identity`);
});

test('the first publish is initial and lists everything as added', (t) => {
  const store = storeWith(loadApps('apps-embed-tasks.json'));
  const { changes } = store.publish()!;
  t.true(changes.initial);
  t.is(changes.apps.length, 6);
  t.true(changes.apps.every((c) => c.type === 'added'));
  t.is(changes.tasks.length, 9);
  t.is(changes.services.length, 7);
});

test('status_update_event: STARTING, RUNNING, KILLING, KILLED are applied from the payload', (t) => {
  const store = ready();
  const updates = events('status_update_event') as unknown as StatusUpdateEvent[];
  const starting = updates.find((e) => e.taskId === WORKER_NEW && e.taskStatus === 'TASK_STARTING')!;
  const running = updates.find((e) => e.taskId === WORKER_NEW && e.taskStatus === 'TASK_RUNNING')!;
  t.is(store.applyStatusUpdate(starting), 'applied');
  let pub = store.publish()!;
  t.deepEqual(pub.changes.tasks.map((c) => [c.type, c.before?.state, c.after?.state, c.after?.health]), [['updated', 'TASK_STAGING', 'TASK_STARTING', 'unknown']]);
  t.is(store.applyStatusUpdate(running), 'applied');
  pub = store.publish()!;
  const task = pub.snapshot.apps.get('/developer/trapni/worker')!.tasks.get(WORKER_NEW)!;
  t.is(task.health, 'up', 'the worker has no health checks: running and started is up');
  t.deepEqual(task.ipAddresses, ['10.0.1.13']);
  t.is(pub.changes.services.length, 2, 'both ports of the worker changed');
  t.is(store.applyStatusUpdate(running), 'unchanged', 'applying the same update twice changes nothing');

  const killing = updates.find((e) => e.taskId === FRONTEND_BAD && e.taskStatus === 'TASK_KILLING')!;
  const killed = updates.find((e) => e.taskId === FRONTEND_BAD && e.taskStatus === 'TASK_KILLED')!;
  store.applyStatusUpdate(killing);
  pub = store.publish()!;
  t.is(pub.snapshot.services.get('staging.web.frontend')!.backends.find((b) => b.taskId === FRONTEND_BAD)!.health, 'draining');
  store.applyStatusUpdate(killed);
  pub = store.publish()!;
  t.deepEqual(pub.changes.tasks.map((c) => c.type), ['removed']);
  t.false(pub.snapshot.apps.get('/staging/web/frontend')!.tasks.has(FRONTEND_BAD));
  t.is(pub.snapshot.services.get('staging.web.frontend')!.backends.length, 1);
});

test('a task event touches only its app: every other app and service keeps its identity', (t) => {
  const store = ready();
  const before = store.snapshot;
  const running = (events('status_update_event') as unknown as StatusUpdateEvent[]).find((e) => e.taskId === WORKER_NEW && e.taskStatus === 'TASK_RUNNING')!;
  store.applyStatusUpdate(running);
  const after = store.publish()!.snapshot;
  for (const [id, app] of before.apps) if (id !== '/developer/trapni/worker') t.is(after.apps.get(id), app);
  for (const [name, service] of before.services) if (!name.startsWith('developer.trapni.worker')) t.is(after.services.get(name), service);
});

test('health events: Mesos instance_health_changed_event and health_status_changed_event by instance id', (t) => {
  const store = ready();
  const mesos = events('instance_health_changed_event')[0] as unknown as InstanceHealthChangedEvent;
  t.is(store.applyHealth(mesos.runSpecId, mesos.instanceId, mesos.healthy), 'applied');
  let pub = store.publish()!;
  t.deepEqual(pub.changes.tasks.map((c) => [c.taskId, c.before?.health, c.after?.health]), [[REDIS, 'up', 'down']]);
  t.is(pub.snapshot.services.get('production.redis.master')!.backends[0]!.health, 'down');
  // The matching health_status_changed_event (alive:false) changes nothing more.
  const redisHealth = (events('health_status_changed_event') as unknown as HealthStatusChangedEvent[]).find((e) => e.appId === '/production/redis/master')!;
  t.is(store.applyHealth(redisHealth.appId, redisHealth.instanceId!, redisHealth.alive), 'unchanged');
  // Recovery.
  t.is(store.applyHealth('/production/redis/master', redisHealth.instanceId!, true), 'applied');
  pub = store.publish()!;
  t.is(pub.snapshot.services.get('production.redis.master')!.backends[0]!.health, 'up');
  t.is(store.applyHealth('/production/redis/master', 'nope.instance-x', false), 'unknown-task');
  t.is(store.applyHealth('/no/such/app', 'x', false), 'unknown-app');
});

test('Marathon ≤1.3: health events keyed by task id (legacy ids)', (t) => {
  const store = storeWith(loadApps('apps-embed-tasks.v1.4.json'));
  store.publish();
  const legacy = sseEvents('events-v1.3.sse').filter((e) => e.eventType === 'health_status_changed_event') as unknown as HealthStatusChangedEvent[];
  const frontendDown = legacy.find((e) => e.appId === '/staging/web/frontend')!;
  t.truthy(frontendDown.taskId);
  // The 1.4 fixture's frontend task is already down: a healthy flip shows the task id lookup works.
  t.is(store.applyHealth(frontendDown.appId, frontendDown.taskId!, true), 'applied');
  t.is(store.publish()!.snapshot.services.get('staging.web.frontend')!.backends.filter((b) => b.health === 'up').length, 2);
  // A 1.4 instance id (<app>.marathon-<uuid>) finds the task <app>.<uuid>.
  t.is(store.applyHealth('/staging/web/frontend', 'staging_web_frontend.marathon-c41b0cd3-1de3-11eb-a0f1-0242ac110006', false), 'applied');
});

test('status updates of an unknown app ask for a refetch instead of guessing', (t) => {
  const store = ready();
  const event = { eventType: 'status_update_event', appId: '/new/app', taskId: 'new_app.instance-x._app.1', taskStatus: 'TASK_RUNNING', host: 'h', ports: [1] } as StatusUpdateEvent;
  t.is(store.applyStatusUpdate(event), 'unknown-app');
  t.false(store.pending);
});

test('app_terminated_event removes the app and its services', (t) => {
  const store = ready();
  store.removeApp('/staging/web/frontend');
  const { changes, snapshot } = store.publish()!;
  t.deepEqual(changes.apps.map((c) => [c.type, c.appId]), [['removed', '/staging/web/frontend']]);
  t.deepEqual(changes.services.map((c) => [c.type, c.name]), [['removed', 'staging.web.frontend']]);
  t.is(changes.tasks.length, 2);
  t.false(snapshot.services.has('staging.web.frontend'));
});

test('api_post_event definition: new labels apply at once, tasks stay', (t) => {
  const store = ready();
  const app = loadApps('apps-embed-tasks.json').find((a) => a.id === '/staging/web/frontend')!;
  delete app.tasks;
  app.portDefinitions![0]!.labels = { 'lb-group': 'staging', 'lb-vhost': 'new.example.com' };
  store.applyDefinition(app);
  const { changes, snapshot } = store.publish()!;
  t.deepEqual(changes.apps.map((c) => c.type), ['updated'], 'the definition changed');
  t.deepEqual(changes.tasks, [], 'the tasks did not');
  t.deepEqual(changes.services.map((c) => c.type), ['updated']);
  t.deepEqual(snapshot.services.get('staging.web.frontend')!.vhosts, ['new.example.com']);
  t.is(snapshot.services.get('staging.web.frontend')!.backends.length, 2);
});

test('an updated app definition is an AppChange', (t) => {
  const store = ready();
  const apps = loadApps('apps-embed-tasks.json');
  apps.find((a) => a.id === '/developer/trapni/php')!.instances = 3;
  store.replaceAll(apps);
  const { changes } = store.publish()!;
  t.deepEqual(changes.apps.map((c) => [c.type, c.appId, c.before?.instances, c.after?.instances]), [['updated', '/developer/trapni/php', 2, 3]]);
  t.deepEqual(changes.services, []);
});

test('a resync that lost health results keeps the last known health (leader change)', (t) => {
  const store = ready();
  const apps = loadApps('apps-embed-tasks.json');
  for (const app of apps) for (const task of app.tasks ?? []) task.healthCheckResults = [];
  store.replaceAll(apps);
  const { changes, snapshot } = store.publish()!;
  t.deepEqual(changes.tasks, []);
  t.is(snapshot.services.get('developer.trapni.php')!.backends.filter((b) => b.health === 'up').length, 2);
  t.is(snapshot.services.get('staging.web.frontend')!.backends.filter((b) => b.health === 'down').length, 1);
  t.is(StateStore.upTasksIn(apps.map((a) => store.prepare(a)!)), store.upTasks());
});

test('groups can change at run time', (t) => {
  const store = ready();
  store.setGroups(['production']);
  const { changes, snapshot } = store.publish()!;
  t.is(snapshot.services.size, 2);
  t.is(changes.services.filter((c) => c.type === 'removed').length, 5);
  t.is(snapshot.excluded.get('staging.web.frontend')?.reason, 'groups');
});

test('two apps whose ids give the same service name: the second is not exposed', (t) => {
  const apps = loadApps('apps-embed-tasks.json');
  const twin = structuredClone(apps.find((a) => a.id === '/staging/web/frontend')!);
  twin.id = '/staging/web.frontend';
  for (const task of twin.tasks ?? []) task.id = `${task.id}-twin`;
  const snapshot = storeWith([...apps, twin]).publish()!.snapshot;
  t.is(snapshot.services.get('staging.web.frontend')!.appId, '/staging/web/frontend');
  t.is(snapshot.apps.size, 7);
});

test('changes within one publish are merged into the net change', (t) => {
  const store = ready();
  const updates = events('status_update_event') as unknown as StatusUpdateEvent[];
  store.applyStatusUpdate(updates.find((e) => e.taskId === FRONTEND_BAD && e.taskStatus === 'TASK_KILLING')!);
  store.applyStatusUpdate(updates.find((e) => e.taskId === FRONTEND_BAD && e.taskStatus === 'TASK_KILLED')!);
  const { changes } = store.publish()!;
  t.deepEqual(changes.tasks.map((c) => [c.type, c.before?.state]), [['removed', 'TASK_RUNNING']]);
  t.is(store.publish(), undefined, 'nothing pending after a publish');
});
