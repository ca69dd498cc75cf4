import test from 'ava';
import { EventRouter } from '../src/ingest/event-router.js';
import { Refetcher } from '../src/ingest/refetcher.js';
import { SerialQueue } from '../src/ingest/serial-queue.js';
import { SyncLoop } from '../src/ingest/sync-loop.js';
import type { MarathonClient } from '../src/marathon/client.js';
import type { MarathonApp, MarathonEvent } from '../src/marathon/types.js';
import { createStaticResolver } from '../src/model/address-resolver.js';
import { StateStore } from '../src/state/store.js';
import { Sleeper } from '../src/util/sleeper.js';
import { AGENTS, loadApps, testConfig } from './helpers.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} } as never;
const NOTHING = { inc() {}, set() {} } as never;
const WORKER = '/developer/trapni/worker';
const STAGING = 'developer_trapni_worker.instance-e8d4a5c0-1de4-11eb-9c2e-0242ac110004._app.1';

function statusUpdate(appId: string, taskId: string, taskStatus: string, host = 'mesos-agent-3.dc1.example.internal'): MarathonEvent {
  return { eventType: 'status_update_event', appId, taskId, taskStatus, host, ports: [31005], ipAddresses: [], timestamp: '2020-11-03T14:02:00.000Z' };
}

/** A client that answers from `apps` (as Marathon would), counting its requests. */
function fakeClient(apps: () => MarathonApp[] | Error) {
  const calls = { eachApp: 0, getApp: [] as string[] };
  const client = {
    async eachApp<R>(sink: () => { add(raw: MarathonApp): void; done(): R }): Promise<R> {
      calls.eachApp++;
      const answer = apps();
      if (answer instanceof Error) throw answer;
      const s = sink();
      for (const app of answer) s.add(structuredClone(app));
      return s.done();
    },
    async getApp(id: string): Promise<MarathonApp | undefined> {
      calls.getApp.push(id);
      const answer = apps();
      if (answer instanceof Error) throw answer;
      return structuredClone(answer.find((a) => a.id === id));
    },
  };
  return { client: client as unknown as MarathonClient, calls };
}

function stages(apps: () => MarathonApp[] | Error, extra: { dropGuard?: { ratio: number; minBackends: number; confirmDelay: number } } = {}) {
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(AGENTS) });
  const queue = new SerialQueue();
  const { client, calls } = fakeClient(apps);
  const config = testConfig(['http://marathon.invalid'], extra.dropGuard ? { dropGuard: extra.dropGuard } : {});
  const seen = { changed: 0, refetches: [] as string[], resyncs: [] as string[], flushes: 0 };
  let sync!: SyncLoop;
  let refetcher!: Refetcher;
  const router = new EventRouter({
    store,
    resolver: createStaticResolver(AGENTS),
    queue,
    log: quiet,
    syncing: () => sync.inFlight,
    refetching: (appId) => refetcher.has(appId),
    refetch: (appId, why) => {
      seen.refetches.push(appId);
      void refetcher.refetch(appId, why);
    },
    requestResync: (reason) => seen.resyncs.push(reason),
    changed: () => seen.changed++,
    stopped: () => false,
  });
  refetcher = new Refetcher({
    client: () => client,
    store,
    resolver: createStaticResolver(AGENTS),
    queue,
    log: quiet,
    syncing: () => sync.inFlight,
    replayDeferred: () => router.replayDeferred(),
    changed: () => seen.changed++,
    requestResync: (reason) => seen.resyncs.push(reason),
    stopped: () => false,
  });
  sync = new SyncLoop({
    client: () => client,
    config: () => config,
    mode: 'once',
    store,
    resolver: createStaticResolver(AGENTS),
    queue,
    metrics: { syncs: NOTHING, lastSync: NOTHING },
    log: quiet,
    sleeper: new Sleeper(),
    replayDeferred: () => router.replayDeferred(),
    flush: async () => {
      seen.flushes++;
      store.publish();
    },
    synced: () => {},
    stopped: () => false,
  });
  return { store, queue, router, refetcher, sync, calls, seen };
}

const taskState = (store: StateStore, appId: string, taskId: string) => store.currentApps.get(appId)?.tasks.get(taskId)?.state;

test('events that arrive before anything is known are held back and applied, in order, after the sync', async (t) => {
  const { store, queue, router, sync, seen } = stages(() => loadApps('apps-embed-tasks.json'));
  router.route(statusUpdate(WORKER, STAGING, 'TASK_STARTING'));
  router.route(statusUpdate(WORKER, STAGING, 'TASK_RUNNING'));
  await queue.idle();
  t.false(store.known);
  t.true(await sync.run('initial'));
  t.is(taskState(store, WORKER, STAGING), 'TASK_RUNNING', 'both events replayed in their order');
  t.true(seen.changed > 0);
  t.deepEqual(seen.refetches, []);
});

test('a task of an app not yet known: the event waits for a refetch of that app, then applies', async (t) => {
  const apps = loadApps('apps-embed-tasks.json');
  let answer = apps.filter((a) => a.id !== WORKER);
  const { store, queue, router, sync, calls } = stages(() => answer);
  t.true(await sync.run('initial'));
  answer = apps;
  router.route(statusUpdate(WORKER, STAGING, 'TASK_RUNNING'));
  await queue.idle();
  while (calls.getApp.length === 0 || store.currentApps.get(WORKER) === undefined) await new Promise((resolve) => setImmediate(resolve));
  await queue.idle();
  t.deepEqual(calls.getApp, [WORKER]);
  t.is(taskState(store, WORKER, STAGING), 'TASK_RUNNING');
});

test('an event without the fields it is acted on by is dropped, and refetches nothing', async (t) => {
  const { store, queue, router, sync, seen, calls } = stages(() => loadApps('apps-embed-tasks.json'));
  await sync.run('initial');
  const before = store.currentApps;
  router.route({ eventType: 'status_update_event', appId: WORKER, taskStatus: 'TASK_RUNNING' } as never);
  router.route({ eventType: 'health_status_changed_event', alive: true } as never);
  router.route({ eventType: 'app_terminated_event' } as never);
  router.route({ eventType: 'api_post_event', appDefinition: { id: 7 } } as never);
  await queue.idle();
  t.is(store.currentApps, before);
  t.deepEqual([seen.refetches, calls.getApp], [[], []]);
});

test('deployment_success refetches only the apps whose definition is older than the plan', async (t) => {
  const { queue, router, sync, seen } = stages(() => loadApps('apps-embed-tasks.json'));
  await sync.run('initial');
  const plan = (app: string, version: string) => ({ eventType: 'deployment_success', plan: { version, steps: [{ actions: [{ action: 'ScaleApplication', app }] }] } }) as MarathonEvent;
  router.route(plan(WORKER, '2020-11-03T14:01:49.027Z'));
  router.route(plan('/gone/app', '2020-11-04T00:00:00.000Z'));
  router.route({ eventType: 'deployment_success', plan: { version: '2030-01-01T00:00:00.000Z', steps: [{ actions: [{ action: 'StopApplication', app: '/never/known' }] }] } } as MarathonEvent);
  router.route(plan('/production/redis/master', '2030-01-01T00:00:00.000Z'));
  await queue.idle();
  t.deepEqual(seen.refetches, ['/gone/app', '/production/redis/master']);
});

test('an app that changes again while it is refetched is fetched once more after, not twice at once', async (t) => {
  const { refetcher, sync, calls } = stages(() => loadApps('apps-embed-tasks.json'));
  await sync.run('initial');
  const first = refetcher.refetch(WORKER, 'one');
  t.true(refetcher.has(WORKER));
  void refetcher.refetch(WORKER, 'two');
  void refetcher.refetch(WORKER, 'three');
  await first;
  t.deepEqual(calls.getApp, [WORKER, WORKER]);
  t.false(refetcher.has(WORKER));
});

test('a failed full sync keeps the last good state; a sync dropping most tasks is confirmed by a second fetch', async (t) => {
  const apps = loadApps('apps-embed-tasks.json');
  let answer: MarathonApp[] | Error = apps;
  const { store, sync, calls } = stages(() => answer, { dropGuard: { ratio: 0.5, minBackends: 3, confirmDelay: 0.01 } });
  t.true(await sync.run('initial'));
  const known = store.currentApps;
  answer = new Error('connect ECONNREFUSED');
  t.false(await sync.run('periodic'));
  t.is(store.currentApps, known, 'nothing changed');
  answer = apps.map((a) => ({ ...a, tasks: [] }));
  const fetches = calls.eachApp;
  t.true(await sync.run('periodic'));
  t.is(calls.eachApp - fetches, 2, 'the drop was fetched twice before it was applied');
  t.is(store.upTasks(), 0);
});
