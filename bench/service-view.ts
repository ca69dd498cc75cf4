// The haproxy handler's in-process cost of a task event on one service of N tasks: its view
// and the runtime commands, built in full (as every event did before view-update.ts) and
// derived from the previous view, side by side in one run. No I/O.
import type { StatusUpdateEvent } from '@mmsd/core';
import { StateStore, createStaticResolver } from '@mmsd/core/testing';
import type { Applied } from '../plugins/haproxy/src/runtime.js';
import { runtimeCommands } from '../plugins/haproxy/src/runtime.js';
import { ServiceViews } from '../plugins/haproxy/src/view-update.js';
import { serviceView } from '../plugins/haproxy/src/view.js';
import { optionsDefaults } from '../plugins/haproxy/test/defaults.js';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';

export interface ServiceViewResult {
  tasks: number;
  /** µs per event: serviceView + runtimeCommands over all servers. */
  full: Summary;
  /** µs per event: the view derived from the previous one, commands for the changed server. */
  derived: Summary;
}

export function benchServiceView(tasks: number, events: number): ServiceViewResult {
  const hosts = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`agent-${i}`, `10.0.0.${i + 1}`]));
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(hosts) });
  const id = (i: number) => `wide.instance-${i}._app.1`;
  store.replaceAll([
    {
      id: '/wide', version: '1', instances: tasks, labels: { HAPROXY_GROUP: 'external' },
      portDefinitions: [{ port: 10_001, protocol: 'tcp' }],
      healthChecks: [{ protocol: 'TCP', portIndex: 0, intervalSeconds: 2, timeoutSeconds: 1 }],
      tasks: Array.from({ length: tasks }, (_, i) => ({ id: id(i), appId: '/wide', host: `agent-${i % 20}`, ports: [20_000 + (i % 40_000)], state: 'TASK_RUNNING', startedAt: '2026-01-01T00:00:00Z', healthCheckResults: [{ alive: true }] })),
    } as never,
  ]);
  const options = optionsDefaults();
  const views = new ServiceViews(options);
  let view = views.of(store.publish()!.snapshot.services.get('wide')!).view;
  const fullApplied: Applied = new Map();
  const derivedApplied: Applied = new Map();
  runtimeCommands(view, fullApplied, true);
  runtimeCommands(view, derivedApplied, true);
  const full: number[] = [];
  const derived: number[] = [];
  for (let e = 0; e < events; e++) {
    const i = e % tasks;
    store.applyStatusUpdate({ eventType: 'status_update_event', appId: '/wide', taskId: id(i), taskStatus: Math.floor(e / tasks) % 2 ? 'TASK_RUNNING' : 'TASK_KILLING', host: `agent-${i % 20}`, ports: [20_000 + (i % 40_000)], ipAddresses: [], version: '1', timestamp: 'x' } as unknown as StatusUpdateEvent);
    const change = store.publish()!.changes.services[0]!;
    let t0 = performance.now();
    runtimeCommands(serviceView(change.after!, options), fullApplied, true);
    full.push((performance.now() - t0) * 1000);
    t0 = performance.now();
    const next = views.of(change.after!, change.before);
    runtimeCommands(next.view, derivedApplied, true, next.from === view ? next.changed : undefined);
    derived.push((performance.now() - t0) * 1000);
    view = next.view;
  }
  return { tasks, full: summarize(full), derived: summarize(derived) };
}
