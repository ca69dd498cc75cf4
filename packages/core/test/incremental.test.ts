// A task event redoes only the changed tasks' backends (model/backends.ts backendsAfter) and
// diffs only those tasks at publish (state/changes.ts): both must come out exactly as a full
// rebuild and a full diff would, for any sequence of events, hostile fields included.
import test from 'ava';
import fc from 'fast-check';
import type { MarathonApp, StatusUpdateEvent } from '../src/marathon/types.js';
import { createStaticResolver } from '../src/model/address-resolver.js';
import { createGroupMatcher } from '../src/model/groups.js';
import { buildServices } from '../src/model/services.js';
import { PERSISTENT_FROM } from '../src/model/task-map.js';
import type { Task, TaskChange } from '../src/model/types.js';
import { StateStore } from '../src/state/store.js';

const HOSTS = { 'agent-1': '10.0.0.1', 'agent-2': '10.0.0.2', 'agent-3': '10.0.0.3' };
const APP = '/bench/wide';
const SAFE = 'bench_wide';

const hostArb = fc.constantFrom('agent-1', 'agent-2', 'agent-3', 'agent-unresolved', '', 'unknown', 'bad host\n', '10.9.9.9');
const portArb = fc.oneof(fc.integer({ min: 1, max: 65_535 }), fc.constantFrom(0, -1, 65_536, 1.5, Number.NaN), fc.constant('31000' as unknown as number));
const taskIndexArb = fc.integer({ min: 0, max: 2 * PERSISTENT_FROM });

type Step =
  | { kind: 'status'; task: number; status: string; host: string; ports: number[] }
  | { kind: 'health'; task: number; byInstance: boolean; alive: boolean | null }
  | { kind: 'publish' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('status' as const), task: taskIndexArb, status: fc.constantFrom('TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED', 'TASK_FAILED', 'TASK_UNREACHABLE'), host: hostArb, ports: fc.array(portArb, { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('health' as const), task: taskIndexArb, byInstance: fc.boolean(), alive: fc.constantFrom(true, false, null) }),
  fc.constant({ kind: 'publish' as const }),
);

const instanceId = (i: number) => `${SAFE}.instance-${String(i).padStart(4, '0')}`;
const taskId = (i: number) => `${instanceId(i)}._app.1`;

function app(initial: { task: number; host: string; port: number }[]): MarathonApp {
  return {
    id: APP,
    version: '2026-01-01T00:00:00.000Z',
    instances: initial.length,
    labels: { HAPROXY_GROUP: 'external' },
    portDefinitions: [{ port: 10_001, protocol: 'tcp' }, { port: 10_002, protocol: 'tcp' }],
    healthChecks: [{ protocol: 'HTTP', portIndex: 0, path: '/health', intervalSeconds: 10, timeoutSeconds: 5 }],
    tasks: initial.map(({ task, host, port }) => ({
      id: taskId(task),
      appId: APP,
      host,
      ports: [port, port + 1],
      state: 'TASK_RUNNING',
      startedAt: '2026-01-01T00:00:01.000Z',
      healthCheckResults: [{ alive: true, taskId: taskId(task) }],
    })),
  } as unknown as MarathonApp;
}

function taskKey(change: TaskChange): string {
  return `${change.type} ${change.taskId}`;
}

function fullDiff(before: ReadonlyMap<string, Task> | undefined, after: ReadonlyMap<string, Task> | undefined): string[] {
  const out: string[] = [];
  for (const [id, task] of after ?? []) {
    const old = before?.get(id);
    if (!old) out.push(`added ${id}`);
    else if (old !== task) out.push(`updated ${id}`);
  }
  for (const id of before?.keys() ?? []) if (!after?.has(id)) out.push(`removed ${id}`);
  return out.sort();
}

test('task events leave services and change sets as a full rebuild and a full diff would', (t) => {
  const resolver = createStaticResolver(HOSTS);
  const context = { matchGroups: createGroupMatcher(['*']), lookupAddress: resolver.lookup };
  fc.assert(
    fc.property(
      fc.array(fc.record({ task: taskIndexArb, host: hostArb, port: fc.integer({ min: 1, max: 65_000 }) }), { maxLength: 2 * PERSISTENT_FROM }),
      fc.array(stepArb, { minLength: 1, maxLength: 120 }),
      (initial, steps) => {
        const store = new StateStore({ groups: ['*'], resolver });
        store.replaceAll([app(initial)]);
        store.publish();
        const check = () => {
          const before = store.snapshot;
          const published = store.publish();
          const now = store.currentApps.get(APP)!;
          const built = buildServices(now, context);
          t.deepEqual([...(published?.snapshot ?? before).services.values()], built.exposed, 'services as a full rebuild');
          if (!published) return;
          const expected = fullDiff(before.apps.get(APP)?.tasks, now.tasks);
          // A task changed and changed back between publishes is the same value, not the same object.
          const reported = published.changes.tasks.map(taskKey).sort();
          t.true(reported.every((r) => expected.includes(r)), `reported ${reported.join(', ')} ⊆ ${expected.join(', ')}`);
          for (const missing of expected.filter((e) => !reported.includes(e))) {
            const id = missing.slice(missing.indexOf(' ') + 1);
            t.deepEqual(before.apps.get(APP)!.tasks.get(id), now.tasks.get(id), `${missing} is not reported only when it is equal`);
          }
        };
        for (const step of steps) {
          if (step.kind === 'publish') check();
          else if (step.kind === 'status') {
            const event = { eventType: 'status_update_event', appId: APP, taskId: taskId(step.task), taskStatus: step.status, host: step.host, ports: step.ports, ipAddresses: [], version: '2026-01-01T00:00:00.000Z', timestamp: '2026-12-07T00:00:00.000Z' };
            store.applyStatusUpdate(event as unknown as StatusUpdateEvent);
          } else store.applyHealth(APP, step.byInstance ? instanceId(step.task) : taskId(step.task), step.alive);
        }
        check();
      },
    ),
    { numRuns: 150 },
  );
});

test('a task event of an app with many tasks keeps the other backends and their order', (t) => {
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(HOSTS) });
  const initial = Array.from({ length: 3 * PERSISTENT_FROM }, (_, i) => ({ task: i, host: `agent-${(i % 3) + 1}`, port: 20_000 + i }));
  store.replaceAll([app(initial)]);
  const before = store.publish()!.snapshot.services.get('bench.wide')!;
  const kill = { eventType: 'status_update_event', appId: APP, taskId: taskId(7), taskStatus: 'TASK_KILLED', host: 'agent-2', ports: [20_007, 20_008], ipAddresses: [], version: 'x', timestamp: 'x' };
  t.is(store.applyStatusUpdate(kill as unknown as StatusUpdateEvent), 'applied');
  const { snapshot, changes } = store.publish()!;
  const after = snapshot.services.get('bench.wide')!;
  t.deepEqual(changes.tasks.map(taskKey), [`removed ${taskId(7)}`]);
  t.deepEqual(after.backends, before.backends.filter((b) => b.taskId !== taskId(7)));
  t.true(after.backends.every((b) => before.backends.includes(b)), 'the other backends are the same objects');
  t.true(Object.isFrozen(after.backends));
});

test('a health result by instance id reaches a task of any incarnation', (t) => {
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(HOSTS) });
  const raw = app([{ task: 1, host: 'agent-1', port: 20_000 }]);
  const task = (raw.tasks as unknown as { id: string; healthCheckResults: { taskId: string }[] }[])[0]!;
  task.id = `${instanceId(1)}._app.5`;
  task.healthCheckResults = [{ taskId: task.id }] as never;
  store.replaceAll([raw]);
  t.is(store.applyHealth(APP, instanceId(1), false), 'applied', 'not among the likely ids: found by the scan');
  t.is(store.currentApps.get(APP)!.tasks.get(task.id)!.health, 'down');
  t.is(store.applyHealth(APP, instanceId(2), false), 'unknown-task');
});
