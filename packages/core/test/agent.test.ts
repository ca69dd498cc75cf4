import test from 'ava';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { MarathonSimulator, sampleApps } from '@mmsd/marathon-sim';
import { Agent } from '../src/agent.js';
import { createStaticResolver } from '../src/model/address-resolver.js';
import type { AppChange, ChangeSet, Snapshot, TaskChange } from '../src/model/types.js';
import type { LoadedPlugin } from '../src/plugins/load-plugins.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { freePort } from '../../../test/helpers/ports.js';
import { AGENTS, testConfig } from './helpers.js';
import { tempDir } from '../../../test/helpers/tmp.js';

interface Recorder {
  plugin: LoadedPlugin;
  snapshots: { snapshot: Snapshot; changes: ChangeSet }[];
  apps: AppChange[];
  tasks: TaskChange[];
  calls: string[];
}

function recorder(name = 'recorder'): Recorder {
  const r: Recorder = { snapshots: [], apps: [], tasks: [], calls: [], plugin: undefined as never };
  r.plugin = {
    request: name,
    file: '/test',
    options: {},
    plugin: {
      name,
      apply(hooks) {
        hooks.onStart.tap(name, () => {
          r.calls.push('start');
        });
        hooks.onSnapshot.tap(name, (snapshot, changes) => {
          r.snapshots.push({ snapshot, changes });
        });
        hooks.onAppChanged.tap(name, (c) => {
          r.apps.push(c);
        });
        hooks.onTaskChanged.tap(name, (c) => {
          r.tasks.push(c);
        });
        hooks.onShutdown.tap(name, () => {
          r.calls.push('shutdown');
        });
      },
    },
  };
  return r;
}

const config = testConfig;

async function setup(t: { teardown(fn: () => unknown): void }, extra: Parameters<typeof testConfig>[1] = {}, recorders: Recorder[] = [recorder()]) {
  const sim = await MarathonSimulator.start({ agents: ['mesos-agent-1.dc1.example.internal'] });
  sim.loadApps(sampleApps());
  const agent = new Agent({
    config: config([sim.url], extra),
    configDir: '/tmp',
    plugins: recorders.map((r) => r.plugin),
    resolver: createStaticResolver(AGENTS),
    retry: { min: 20, max: 200 },
  });
  t.teardown(async () => {
    await agent.stop();
    await sim.close();
  });
  return { sim, agent, r: recorders[0]! };
}

const requestsTo = (sim: MarathonSimulator, prefix: string) => sim.requests.filter((q) => q.path.startsWith(prefix)).length;

test('start: plugins start, the stream connects, one full sync is published as the initial snapshot', async (t) => {
  const { agent, r, sim } = await setup(t);
  await agent.start();
  t.deepEqual(r.calls, ['start']);
  t.is(sim.hub.size, 1, 'the stream was connected before the sync');
  t.is(requestsTo(sim, '/v2/apps?'), 1, 'one full sync covers the start');
  t.is(r.snapshots.length, 1);
  const first = r.snapshots[0]!;
  t.true(first.changes.initial);
  t.is(first.snapshot.services.size, 7);
  t.deepEqual(r.tasks, [], 'per-item hooks do not fire for the initial snapshot');
});

test('a killed task reaches the hooks with no request to Marathon', async (t) => {
  const { agent, r, sim } = await setup(t);
  await agent.start();
  await waitFor(() => sim.hub.size === 1, { what: 'the event stream' });
  const before = sim.requests.length;
  const victim = sim.tasks('/staging/web/frontend')[0]!.id;
  await sim.killTask(victim);
  await waitFor(() => r.tasks.some((c) => c.taskId === victim && c.type === 'removed'), { what: 'the removal' });
  await waitFor(() => r.tasks.filter((c) => c.type === 'added' && c.appId === '/staging/web/frontend').length === 1, { what: 'the replacement' });
  t.is(sim.requests.length, before, 'task events are applied from their payloads');
  // TASK_KILLING and TASK_KILLED come back to back here: one batch may carry both (the net change).
  const seen = r.tasks.filter((c) => c.taskId === victim).map((c) => c.after?.health ?? 'gone');
  t.true(['draining,gone', 'gone'].includes(seen.join()), seen.join());
});

test('an app scaled through the API: its definition comes with the event, no refetch', async (t) => {
  const { agent, r, sim } = await setup(t);
  await agent.start();
  await waitFor(() => sim.hub.size === 1);
  const before = requestsTo(sim, '/v2/apps');
  await sim.scaleApp('/developer/trapni/php', 3);
  await waitFor(() => agent.snapshot.services.get('developer.trapni.php')?.backends.filter((b) => b.health === 'up').length === 3, {
    what: 'the new task, up',
  });
  t.is(r.tasks.filter((c) => c.type === 'added').length, 1);
  await waitFor(() => r.apps.some((c) => c.type === 'updated' && c.after?.instances === 3));
  t.true(requestsTo(sim, '/v2/apps') - before <= 1, 'at most one request per app change');
});

test('a deployment without api_post_event (group API) refetches just that app, once', async (t) => {
  const { agent, sim } = await setup(t);
  await agent.start();
  await waitFor(() => sim.hub.size === 1);
  const before = requestsTo(sim, '/v2/apps/');
  sim.emit({
    eventType: 'deployment_success',
    id: 'd1',
    plan: { id: 'd1', steps: [{ actions: [{ action: 'RestartApplication', app: '/staging/web/frontend' }] }], version: '2099-01-01T00:00:00.000Z' },
  });
  await waitFor(() => requestsTo(sim, '/v2/apps/') - before === 1, { what: 'one refetch' });
  t.is(sim.requests.at(-1)!.path, '/v2/apps/staging/web/frontend?embed=app.tasks');
});

test('a task of an app not yet known fetches that app and applies the task', async (t) => {
  const { agent, r, sim } = await setup(t);
  await agent.start();
  await waitFor(() => sim.hub.size === 1);
  const app = structuredClone(sampleApps().apps.find((a) => a.id === '/staging/web/frontend')!) as Record<string, unknown>;
  app.id = '/brand/new';
  (app.tasks as Record<string, unknown>[]) = [];
  const all = sampleApps().apps;
  sim.loadApps([...all, app]);
  await sim.launchTask('/brand/new', { host: 'mesos-agent-1.dc1.example.internal', ports: [31999] });
  await waitFor(() => r.snapshots.at(-1)!.snapshot.services.get('brand.new')?.backends.some((b) => b.port === 31999 && b.health === 'up'), {
    what: 'the new app with its task',
  });
  t.is(requestsTo(sim, '/v2/apps/brand/new'), 1);
});

test('coalesce > 0: a burst of events within it is one snapshot', async (t) => {
  const { agent, r, sim } = await setup(t, { coalesce: 200 });
  await agent.start();
  await waitFor(() => sim.hub.size === 1);
  const before = r.snapshots.length;
  for (const task of sim.tasks('/developer/trapni/php')) sim.emit({ eventType: 'health_status_changed_event', appId: '/developer/trapni/php', instanceId: task.id.replace(/\._app\.1$/, ''), alive: false, version: 'x' });
  sim.emit({ eventType: 'app_terminated_event', appId: '/developer/trapni/legacy-cron' });
  await waitFor(() => r.snapshots.length > before && r.snapshots.at(-1)!.changes.apps.length === 1, { what: 'the batch', timeout: 3000 });
  const snapshots = r.snapshots.slice(before);
  t.true(snapshots.length <= 2, `${snapshots.length} snapshots for 3 events`);
  const tasks = snapshots.flatMap((s) => s.changes.tasks);
  t.is(tasks.filter((c) => c.after?.health === 'down').length, 2);
});

test('Marathon answering 5xx, garbage or a truncated body changes nothing', async (t) => {
  const { agent, r, sim } = await setup(t);
  await agent.start();
  await waitFor(() => sim.hub.size === 1);
  const seen = r.snapshots.length;
  for (const fault of [{ status: 503 }, { status: 500 }, { garbage: true }, { truncate: true }]) {
    sim.setFaults(fault);
    const n = requestsTo(sim, '/v2/apps?');
    agent.requestResync('test');
    await waitFor(() => requestsTo(sim, '/v2/apps?') >= n + 2, { what: `a failed sync and its retry (${JSON.stringify(fault)})` });
  }
  t.true(
    r.snapshots.slice(seen).every((s) => s.changes.apps.length === 0 && s.changes.tasks.length === 0),
    'no change was published from a failed answer',
  );
  t.is(agent.snapshot.services.size, 7);
  t.is(agent.snapshot.apps.size, 6);
});

test('Marathon down: the state stays; when it is back, the resync catches up with what was missed', async (t) => {
  const { agent, r, sim } = await setup(t);
  await agent.start();
  await waitFor(() => sim.hub.size === 1);
  const port = sim.port;
  await sim.stop();
  await delay(300);
  t.is(agent.snapshot.services.size, 7, 'nothing changed while Marathon was unreachable');
  // Meanwhile the cluster changed; no event could tell.
  await sim.deleteApp('/staging/web/frontend');
  await sim.listen(port);
  await waitFor(() => !agent.snapshot.apps.has('/staging/web/frontend'), { what: 'the resync after reconnecting', timeout: 5000 });
  t.true(r.apps.some((c) => c.type === 'removed' && c.appId === '/staging/web/frontend'));
});

test('a sudden drop is confirmed by a second fetch before it is applied', async (t) => {
  const { agent, r, sim } = await setup(t);
  await agent.start();
  await waitFor(() => r.snapshots.length >= 1);
  sim.setFaults({ emptyApps: true });
  const requests = requestsTo(sim, '/v2/apps?');
  agent.requestResync('test');
  await waitFor(() => requestsTo(sim, '/v2/apps?') === requests + 1);
  sim.clearFaults();
  await waitFor(() => requestsTo(sim, '/v2/apps?') === requests + 2, { what: 'the confirming fetch' });
  await delay(50);
  t.is(agent.snapshot.apps.size, 6, 'the drop was not applied');
  t.false(r.apps.some((c) => c.type === 'removed'));
});

test('a drop that a second fetch confirms is applied', async (t) => {
  const { agent, r, sim } = await setup(t);
  await agent.start();
  await waitFor(() => r.snapshots.length >= 1);
  sim.setFaults({ emptyApps: true, eventsStatus: 503 });
  sim.dropStreams();
  agent.requestResync('test');
  await waitFor(() => agent.snapshot.apps.size === 0, { what: 'the confirmed drop' });
  t.pass();
});

test('the state file: saved after a sync, and the start point when Marathon is unreachable', async (t) => {
  const dir = await tempDir(t, 'mmsd-state-');
  const stateFile = join(dir, 'state.json');
  const first = await setup(t, { stateFile });
  await first.agent.start();
  await first.agent.stop();
  const url = first.sim.url;
  await first.sim.close();

  const r = recorder();
  const agent = new Agent({
    config: config([url], { stateFile }),
    configDir: '/tmp',
    plugins: [r.plugin],
    resolver: createStaticResolver(AGENTS),
    retry: { min: 50, max: 200 },
  });
  t.teardown(() => agent.stop());
  await agent.start();
  t.is(r.snapshots.length, 1);
  t.true(r.snapshots[0]!.changes.initial);
  t.false(r.snapshots[0]!.changes.full, 'from the saved state, not from Marathon');
  t.is(r.snapshots[0]!.snapshot.services.size, 7);

  const other = recorder();
  const elsewhere = new Agent({
    config: config(['http://127.0.0.1:1'], { stateFile }),
    configDir: '/tmp',
    plugins: [other.plugin],
    resolver: createStaticResolver(AGENTS),
    retry: { min: 50, max: 200 },
  });
  t.teardown(() => elsewhere.stop());
  await elsewhere.start();
  t.is(other.snapshots.length, 0, 'the state of one Marathon never seeds an agent of another');
});

test('once mode without Marathon and without saved state fails instead of publishing nothing', async (t) => {
  const r = recorder();
  const agent = new Agent({ config: config(['http://127.0.0.1:1']), configDir: '/tmp', plugins: [r.plugin], mode: 'once', retry: { min: 10, max: 20 } });
  await t.throwsAsync(agent.start(), { message: /could not be reached/ });
  t.is(r.snapshots.length, 0);
});

test('reload: new plugins start and get the whole state; the old ones are shut down', async (t) => {
  const old = recorder('old');
  const { agent, sim } = await setup(t, {}, [old]);
  await agent.start();
  await waitFor(() => sim.hub.size === 1);
  const fresh = recorder('fresh');
  await agent.reload(config([sim.url], { groups: ['production'] }), '/tmp', [fresh.plugin]);
  t.deepEqual(old.calls, ['start', 'shutdown']);
  t.deepEqual(fresh.calls, ['start']);
  const initial = fresh.snapshots[0]!;
  t.true(initial.changes.initial);
  t.deepEqual([...initial.snapshot.services.keys()].sort(), ['production.api.gateway', 'production.redis.master']);
});

test('stop: pending changes are flushed, then onShutdown runs', async (t) => {
  const { agent, r, sim } = await setup(t, { coalesce: 5000 });
  await agent.start();
  await waitFor(() => sim.hub.size === 1);
  sim.emit({ eventType: 'app_terminated_event', appId: '/developer/trapni/php' });
  await waitFor(() => r.apps.length === 1);
  // Within 5 s of the last publish: held back until stop.
  sim.emit({ eventType: 'app_terminated_event', appId: '/staging/web/frontend' });
  const store = (agent as unknown as { store: { pending: boolean } }).store;
  await waitFor(() => store.pending, { what: 'the second event applied, not yet published' });
  t.is(r.apps.length, 1);
  await agent.stop();
  t.is(r.apps.length, 2, 'the held-back change was flushed before stopping');
  t.is(r.calls.at(-1), 'shutdown');
});

/** A recorder that also taps onMarathonEvent: the event types it got, in order, in `events`. */
function rawRecorder(): { raw: Recorder; events: string[] } {
  const events: string[] = [];
  const raw = recorder('raw');
  const plugin = raw.plugin.plugin;
  raw.plugin = {
    ...raw.plugin,
    plugin: {
      name: 'raw',
      apply(hooks, ctx) {
        plugin.apply(hooks, ctx);
        hooks.onMarathonEvent.tap('raw', (event) => {
          events.push(event.eventType);
        });
      },
    },
  };
  return { raw, events };
}

const eventStreamPaths = (sim: MarathonSimulator) => sim.requests.filter((q) => q.path.startsWith('/v2/events')).map((q) => q.path);

test('onMarathonEvent gets every raw event, parsed', async (t) => {
  const { raw, events } = rawRecorder();
  const { agent, sim } = await setup(t, {}, [raw]);
  await agent.start();
  await waitFor(() => sim.hub.size === 1);
  t.deepEqual(eventStreamPaths(sim), ['/v2/events?plan-format=light'], 'every event type');
  await sim.killTask(sim.tasks('/developer/trapni/worker')[0]!.id, { scale: true });
  await waitFor(() => events.filter((e) => e === 'instance_changed_event').length === 2);
  t.deepEqual(events, ['event_stream_attached', 'status_update_event', 'instance_changed_event', 'status_update_event', 'instance_changed_event']);
});

test('without an onMarathonEvent tap only the events mmsd acts on are asked for; a reload that adds one reconnects for all', async (t) => {
  const { agent, r, sim } = await setup(t);
  await agent.start();
  await waitFor(() => sim.hub.size === 1);
  const [path] = eventStreamPaths(sim);
  const query = new URL(path!, 'http://x').searchParams;
  t.deepEqual(query.getAll('event_type').sort(), [
    'api_post_event',
    'app_terminated_event',
    'deployment_failed',
    'deployment_success',
    'event_stream_attached',
    'health_status_changed_event',
    'instance_health_changed_event',
    'status_update_event',
  ]);
  t.is(query.get('plan-format'), 'light');
  // The filtered stream still carries a task's whole life (the kill is status updates alone).
  const task = sim.tasks('/developer/trapni/worker')[0]!;
  await sim.killTask(task.id, { scale: true });
  await waitFor(() => r.tasks.some((c) => c.taskId === task.id && c.type === 'removed'), { what: 'the kill, from the filtered stream' });

  const { raw, events } = rawRecorder();
  await agent.reload(config([sim.url]), '/tmp', [raw.plugin]);
  await waitFor(() => eventStreamPaths(sim).length === 2 && sim.hub.size === 1, { what: 'the stream reconnected' });
  t.is(eventStreamPaths(sim)[1], '/v2/events?plan-format=light');
  await sim.killTask(sim.tasks('/developer/trapni/worker')[0]!.id, { scale: true });
  await waitFor(() => events.includes('instance_changed_event'), { what: 'an event mmsd does not act on, for the raw tap' });
  // And back: a reload without the tap asks for the filtered stream again.
  await agent.reload(config([sim.url]), '/tmp', [recorder('plain').plugin]);
  await waitFor(() => eventStreamPaths(sim).length === 3, { what: 'the stream reconnected' });
  t.not(eventStreamPaths(sim)[2], '/v2/events?plan-format=light');
});

test('metrics: served on the configured port, with events, requests and syncs counted', async (t) => {
  const port = await freePort();
  const { agent, sim } = await setup(t, { metrics: { port, bind: '127.0.0.1' } });
  await agent.start();
  await waitFor(() => sim.hub.size === 1);
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  t.is(response.status, 200);
  const text = await response.text();
  t.regex(text, /mmsd_marathon_requests_total\{kind="apps",outcome="ok"\} [1-9]/);
  t.regex(text, /mmsd_syncs_total\{kind="initial",outcome="ok"\} 1/);
  t.regex(text, /mmsd_services\{state="exposed"\} 7/);
  t.regex(text, /mmsd_marathon_events_total\{type="event_stream_attached"\} 1/);
});

test('poll mode: no event stream, a full sync every pollInterval, only changes published', async (t) => {
  const { agent, r, sim } = await setup(t, { marathon: { mode: 'poll', pollInterval: 0.1 } });
  await agent.start();
  t.is(r.snapshots.length, 1);
  await waitFor(() => requestsTo(sim, '/v2/apps') >= 4, { what: 'three more polls' });
  t.is(sim.hub.size, 0, 'no event stream');
  t.is(requestsTo(sim, '/v2/events'), 0);
  // A poll is a full sync: it says so (handlers may check their files), with nothing in its change set.
  t.true(r.snapshots.slice(1).every(({ changes }) => changes.full && changes.apps.length + changes.tasks.length + changes.services.length === 0), 'polls that find nothing new change nothing');
  t.is(r.tasks.length, 0);
  const task = sim.tasks('/developer/trapni/php')[0]!;
  await sim.killTask(task.id, { scale: true });
  await waitFor(() => r.tasks.some((c) => c.taskId === task.id && c.type === 'removed'), { what: 'the kill, seen by a poll' });
  const last = r.snapshots.at(-1)!;
  t.false(last.changes.initial);
  t.true(last.changes.tasks.every((c) => c.appId === '/developer/trapni/php'), 'only what changed');
});
