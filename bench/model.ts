// The model's own cost of a task start, in this process: TASK_STARTING, TASK_RUNNING and the
// first health result applied to a store of the whole cluster, then published (snapshot and
// change set), as the agent does for the events of one start. No I/O, no other process: what
// the event → ready figures of haproxy.ts cannot separate from scheduling on two vCPUs.
import { StateStore, createStaticResolver } from '@mmsd/core/testing';
import { generateCluster } from '@mmsd/marathon-sim';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';

export interface ModelResult {
  apps: number;
  tasksPerApp: number;
  /** µs per start: three events applied and one publish. */
  start: Summary;
  /** µs per kill: TASK_KILLED applied and published. */
  kill: Summary;
}

const AGENTS = Array.from({ length: 20 }, (_, i) => `agent-${i + 1}.cluster.internal`);

export function benchModel(apps: number, tasksPerApp: number, starts: number): ModelResult {
  const cluster = generateCluster({ apps, tasksPerApp, agents: AGENTS });
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(Object.fromEntries(AGENTS.map((host, i) => [host, `10.0.${i >> 8}.${(i & 255) + 1}`]))) });
  store.replaceAll(cluster.apps as never);
  store.publish();
  const ids = cluster.apps.map((app) => app.id);
  const startTimes: number[] = [];
  const killTimes: number[] = [];
  const warmUp = Math.min(2000, starts);
  for (let i = 0; i < warmUp + starts; i++) {
    // A random app each time, as the cluster's starts come: the caches are not kept warm by one app.
    const appId = ids[Math.floor(Math.random() * ids.length)]!;
    // Marathon 1.8+'s ids: the health result names the instance, not the task.
    const instanceId = `${appId.slice(1).replaceAll('/', '_')}.instance-bench-${i}`;
    const taskId = `${instanceId}._app.1`;
    const update = (taskStatus: string) =>
      ({ eventType: 'status_update_event', appId, taskId, taskStatus, host: AGENTS[i % AGENTS.length], ports: [40_000 + (i % 20_000)], ipAddresses: [], version: '2026-01-01T00:00:00.000Z', timestamp: '2026-12-02T00:00:00.000Z' }) as never;
    const t0 = performance.now();
    store.applyStatusUpdate(update('TASK_STARTING'));
    store.applyStatusUpdate(update('TASK_RUNNING'));
    store.applyHealth(appId, instanceId, true);
    store.publish();
    const t1 = performance.now();
    store.applyStatusUpdate(update('TASK_KILLED'));
    store.publish();
    const t2 = performance.now();
    if (i < warmUp) continue;
    startTimes.push((t1 - t0) * 1000);
    killTimes.push((t2 - t1) * 1000);
  }
  return { apps, tasksPerApp, start: summarize(startTimes), kill: summarize(killTimes) };
}
