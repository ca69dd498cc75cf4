// A task event's service view is derived from the service's previous one (view-update.ts) and
// its runtime commands cover the changed servers alone: both must come out as a full view and
// a full comparison with what HAProxy has would, for any sequence of task events.
import test from 'ava';
import fc from 'fast-check';
import type { MarathonApp, StatusUpdateEvent } from '@mmsd/core';
import { StateStore, createStaticResolver } from '@mmsd/core/testing';
import type { Applied } from '../src/runtime.js';
import { runtimeCommands } from '../src/runtime.js';
import { ServiceViews } from '../src/view-update.js';
import { serviceView } from '../src/view.js';
import { optionsDefaults } from './support.js';

const HOSTS = { 'agent-1': '10.0.0.1', 'agent-2': '10.0.0.2', 'agent-3': '10.0.0.3' };
const APP = '/wide';
const taskId = (i: number) => (i % 17 === 3 ? `wide.instance-${i} bad\nname._app.1` : `wide.instance-${i}._app.1`);

const stepArb = fc.oneof(
  fc.record({ kind: fc.constant('status' as const), task: fc.integer({ min: 0, max: 90 }), status: fc.constantFrom('TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED'), host: fc.constantFrom('agent-1', 'agent-2', 'agent-3', 'agent-unresolved'), port: fc.integer({ min: 1, max: 65_535 }) }),
  fc.record({ kind: fc.constant('health' as const), task: fc.integer({ min: 0, max: 90 }), alive: fc.constantFrom(true, false, null) }),
);

function app(tasks: number): MarathonApp {
  return {
    id: APP,
    version: '1',
    instances: tasks,
    labels: { HAPROXY_GROUP: 'external' },
    portDefinitions: [{ port: 10_001, protocol: 'tcp' }],
    healthChecks: [{ protocol: 'TCP', portIndex: 0, intervalSeconds: 2, timeoutSeconds: 1 }],
    tasks: Array.from({ length: tasks }, (_, i) => ({ id: taskId(i), appId: APP, host: `agent-${(i % 3) + 1}`, ports: [20_000 + i], state: 'TASK_RUNNING', startedAt: '2026-01-01T00:00:00Z', healthCheckResults: [{ alive: true }] })),
  } as unknown as MarathonApp;
}

test('derived views and commands for the changed servers equal full views and full commands', (t) => {
  const options = optionsDefaults();
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 80 }), fc.array(stepArb, { minLength: 1, maxLength: 60 }), (size, steps) => {
      const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(HOSTS) });
      store.replaceAll([app(size)]);
      const views = new ServiceViews(options);
      const fullApplied: Applied = new Map();
      const partApplied: Applied = new Map();
      let appliedView = store.publish()!.snapshot.services.get('wide') && views.of(store.snapshot.services.get('wide')!).view;
      if (appliedView) {
        runtimeCommands(appliedView, fullApplied, true);
        runtimeCommands(appliedView, partApplied, true);
      }
      for (const step of steps) {
        if (step.kind === 'status') store.applyStatusUpdate({ eventType: 'status_update_event', appId: APP, taskId: taskId(step.task), taskStatus: step.status, host: step.host, ports: [step.port], ipAddresses: [], version: '1', timestamp: '2026-01-01T00:00:00Z' } as unknown as StatusUpdateEvent);
        else store.applyHealth(APP, taskId(step.task), step.alive);
        const published = store.publish();
        for (const change of published?.changes.services ?? []) {
          if (!change.after) continue;
          const { view, from, changed } = views.of(change.after, change.before);
          t.deepEqual(view, serviceView(change.after, options));
          const full = runtimeCommands(view, fullApplied, true);
          const part = runtimeCommands(view, partApplied, true, from !== undefined && from === appliedView ? changed : undefined);
          t.deepEqual([...part].sort(), [...full].sort(), 'the same commands');
          t.deepEqual(partApplied, fullApplied, 'the same servers applied');
          appliedView = view;
        }
      }
    }),
    { numRuns: 120 },
  );
});

test('a task event on a service of many servers derives its view and names the one server', (t) => {
  const options = optionsDefaults();
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(HOSTS) });
  store.replaceAll([app(500)]);
  const views = new ServiceViews(options);
  const before = store.publish()!.snapshot.services.get('wide')!;
  views.of(before);
  store.applyHealth(APP, taskId(10), false);
  const change = store.publish()!.changes.services[0]!;
  const derived = views.of(change.after!, change.before);
  t.is(derived.from, views.of(before).view);
  t.deepEqual(derived.changed, [taskId(10)]);
  t.is(views.of(change.after!), derived, 'made once per service');
});
