import { readdir, rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, loadPlugins } from '@mmsd/core/host';
import { createStaticResolver } from '@mmsd/core/testing';
import type { MmsdConfig, Snapshot } from '@mmsd/core';
import type { LoadedPlugin } from '@mmsd/core/host';
import { startSimProcess } from './sim-process.js';
import { runtimeDir } from './tmpfs.js';
import { benchAgentConfig, SYNTHETIC_AGENTS } from './agent-config.js';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';

export interface UpstreamResult {
  apps: number;
  tasksPerApp: number;
  /** From the Marathon event's arrival in mmsd to the file written: mmsd's own latency. */
  eventToFile: Summary;
  /** From the simulator's request to the file written (includes the simulator and the stream). */
  triggerToFile: Summary;
  marathonRequestsDuringEvents: number;
  /**
   * A task start as Marathon sends it (TASK_RUNNING, then its first health result, back to
   * back): from the TASK_RUNNING event's arrival to the file listing the task as up.
   */
  startToFile: Summary;
}

const AGENTS = SYNTHETIC_AGENTS;
const config = (url: string): MmsdConfig => benchAgentConfig(url, 60);

/**
 * Event → upstream file latency: a health flip of one task, triggered through the simulator's
 * control API, until the upstream-confd handler has rewritten that service's file (measured by
 * a probe plugin tapped after it). Events are spaced beyond the coalescing window, so each is
 * isolated and applied at once, as in a live cluster.
 */
export async function benchUpstreamConfd(apps: number, tasksPerApp: number, events: number): Promise<UpstreamResult> {
  const sim = await startSimProcess(['--apps', String(apps), '--tasks', String(tasksPerApp), '--heartbeat', '10000']);
  const dir = await runtimeDir('mmsd-bench-confd-');
  const written = new Map<string, number>();
  let arrived = 0;
  let waiter: { service: string; resolve: () => void } | undefined;
  let firstSnapshot: (() => void) | undefined;
  const firstSnapshotSeen = new Promise<void>((resolve) => (firstSnapshot = resolve));
  let last: Snapshot | undefined;
  const started = new Map<string, number>();
  let launching: { service: string; taskId: string | undefined; resolve: (at: number) => void } | undefined;
  const probe: LoadedPlugin = {
    request: 'probe',
    file: 'bench',
    options: {},
    plugin: {
      name: 'probe',
      apply(hooks) {
        hooks.onMarathonEvent.tap('probe', (event) => {
          if (event.eventType === 'health_status_changed_event' && arrived === 0) arrived = performance.now();
          const e = event as { eventType: string; taskStatus?: string; taskId?: string };
          if (e.eventType === 'status_update_event' && e.taskStatus === 'TASK_RUNNING' && e.taskId && !started.has(e.taskId)) started.set(e.taskId, performance.now());
        });
        hooks.onSnapshot.tap('probe', (snapshot, changes) => {
          const now = performance.now();
          last = snapshot;
          for (const change of changes.services) written.set(change.name, now);
          if (waiter && written.has(waiter.service)) waiter.resolve();
          if (launching && snapshot.services.get(launching.service)?.backends.some((b) => b.taskId === launching!.taskId && b.health === 'up')) launching.resolve(now);
          firstSnapshot?.();
          firstSnapshot = undefined;
        });
      },
    },
  };
  const [confd] = await loadPlugins({ entries: [['upstream-confd', { dir }]], searchDirs: [process.cwd()], baseDir: process.cwd() });
  const agent = new Agent({ config: config(sim.url), configDir: process.cwd(), plugins: [confd!, probe], resolver: createStaticResolver(AGENTS) });

  await agent.start();
  await firstSnapshotSeen;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.instances')).length;
  if (files !== apps) throw new Error(`expected ${apps} files, found ${files}`);

  // Let the resync after the stream connected pass.
  await delay(1000);
  const requestsBefore = (await sim.requests()).filter((r) => r.path.startsWith('/v2/')).length;
  const latencies: number[] = [];
  const endToEnd: number[] = [];
  const alive = new Map<string, boolean>();
  for (let i = 0; i < events; i++) {
    const app = [...last!.apps.values()][Math.floor(Math.random() * apps)]!;
    const task = [...app.tasks.values()][Math.floor(Math.random() * app.tasks.size)]!;
    const service = app.services[0]!;
    const next = !(alive.get(task.id) ?? true);
    alive.set(task.id, next);
    written.delete(service);
    arrived = 0;
    const done = new Promise<void>((resolve) => (waiter = { service, resolve }));
    const t0 = performance.now();
    await Promise.all([sim.post(`/_sim/tasks/${task.id}/health`, { alive: next }), done]);
    waiter = undefined;
    latencies.push(written.get(service)! - arrived);
    endToEnd.push(written.get(service)! - t0);
    await delay(60);
  }
  const requestsAfter = (await sim.requests()).filter((r) => r.path.startsWith('/v2/')).length;

  const starts: number[] = [];
  for (let i = 0; i < Math.min(events, 50); i++) {
    const app = [...last!.apps.values()][Math.floor(Math.random() * apps)]!;
    const at = new Promise<number>((resolve) => (launching = { service: app.services[0]!, taskId: undefined, resolve }));
    const { taskId } = (await sim.post(`/_sim/apps${app.id}/launch`, { host: 'agent-1.cluster.internal', ports: [40_000 + i] })) as { taskId: string };
    launching!.taskId = taskId;
    // The file may be written before the answer to the launch request arrives.
    if (last!.services.get(app.services[0]!)?.backends.some((b) => b.taskId === taskId && b.health === 'up')) launching!.resolve(written.get(app.services[0]!)!);
    starts.push((await at) - started.get(taskId)!);
    launching = undefined;
    await delay(60);
  }
  await agent.stop();
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
  return {
    apps,
    tasksPerApp,
    eventToFile: summarize(latencies),
    triggerToFile: summarize(endToEnd),
    marathonRequestsDuringEvents: requestsAfter - requestsBefore,
    startToFile: summarize(starts),
  };
}
