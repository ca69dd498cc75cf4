import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { serviceName } from '@mmsd/core';
import { haproxyCli as cli, parseServersState, proxyName, serverName } from '@mmsd/plugin-haproxy';
import type { HaproxySyslog } from './haproxy-syslog.js';
import type { Observer } from './observer.js';
import { wallNow } from './observer.js';
import { setPolicy, stealMs, threadTimes } from './schedstat.js';
import type { SimProcess } from './sim-process.js';
import { until } from './until.js';

/** How long before a measured task start the bench asks the simulator for it. */
const LAUNCH_AHEAD_MS = 20;

export interface StartsOptions {
  sim: SimProcess;
  syslog: HaproxySyslog;
  /** Also times each start as a listener sees it (needs the agent to append HAProxy's log to its file). */
  observer?: Observer;
  socket: string;
  apps: readonly { id: string }[];
  /** The agent measured (mmsd, or the floor agent), and HAProxy's worker. */
  agentPid: number;
  haproxyPid: number;
  count: number;
  /** The task ports used: firstPort, firstPort + 1, … (distinct across the runs of one bench). */
  firstPort: number;
}

export interface StartTimes {
  startToReady: number[];
  startToReadySeen: number[];
  healthToReady: number[];
  waits: { latency: number; mmsd: number; haproxy: number; steal: number }[];
  agentCpu: { loop: number; all: number }[];
  simCpu: number[];
  clockDisagreements: number;
}

/**
 * Task starts as Marathon sends them (TASK_RUNNING, then its first health result), at random
 * apps, one at a time: from the simulator's write of TASK_RUNNING to HAProxy's worker making
 * the new server ready (HAProxy's time, from its syslog line); then its admin socket must say
 * ready and up. Each launch is asked for LAUNCH_AHEAD_MS ahead, so that the bench's own
 * handling of the simulator's answer is not on the two vCPUs while the start goes through.
 * Around each start the scheduler's counters of the agent and HAProxy (schedstat) and the
 * host's steal are read.
 */
export async function measureStarts(o: StartsOptions): Promise<StartTimes> {
  const times: StartTimes = { startToReady: [], startToReadySeen: [], healthToReady: [], waits: [], agentCpu: [], simCpu: [], clockDisagreements: 0 };
  for (let i = 0; i < o.count; i++) {
    const app = o.apps[Math.floor(Math.random() * o.apps.length)]!;
    const backend = proxyName(serviceName(app.id, 0));
    const before = [await threadTimes(o.agentPid, 'main'), await threadTimes(o.agentPid, 'all'), await threadTimes(o.haproxyPid, 'all')];
    const stolenBefore = await stealMs();
    const simBefore = await threadTimes(o.sim.child.pid!, 'all');
    const t0 = wallNow();
    const { taskId } = (await o.sim.post(`/_sim/apps${app.id}/launch`, { host: 'agent-1.cluster.internal', ports: [o.firstPort + i], after: LAUNCH_AHEAD_MS })) as { taskId: string };
    const applied = await o.syslog.when(backend, serverName(taskId), 'ready', t0);
    const after = [await threadTimes(o.agentPid, 'main'), await threadTimes(o.agentPid, 'all'), await threadTimes(o.haproxyPid, 'all')];
    const stolen = (await stealMs()) - stolenBefore;
    times.simCpu.push((await threadTimes(o.sim.child.pid!, 'all')).cpu - simBefore.cpu);
    const { runningAt, healthAt } = (await (await fetch(`${o.sim.url}/_sim/tasks/${encodeURIComponent(taskId)}/timing`)).json()) as { runningAt: number; healthAt: number };
    const ready = await o.observer?.when(backend, serverName(taskId), 'ready', t0);
    // HAProxy logs the change a few µs before `show servers state` (another thread) has it.
    await until(async () => {
      const state = parseServersState(await cli(o.socket, `show servers state ${backend}`)).find((s) => s.server === serverName(taskId));
      return state?.admin === 'ready' && state.operational === 'up' ? true : undefined;
    }, `${taskId} ready and up in HAProxy after its log said so`, 5000);
    if (applied < runningAt) times.clockDisagreements++;
    times.startToReady.push(applied - runningAt);
    times.waits.push({ latency: applied - runningAt, mmsd: after[0]!.wait - before[0]!.wait, haproxy: after[2]!.wait - before[2]!.wait, steal: stolen });
    times.agentCpu.push({ loop: after[0]!.cpu - before[0]!.cpu, all: after[1]!.cpu - before[1]!.cpu });
    times.healthToReady.push(applied - healthAt);
    const seen = o.observer?.runningAt(taskId);
    if (ready !== undefined && seen !== undefined) times.startToReadySeen.push(ready - seen);
    await delay(60);
  }
  return times;
}

const FLOOR_AGENT = fileURLToPath(new URL('./floor-agent.ts', import.meta.url));

/**
 * The same starts through the floor agent (bench/floor-agent.ts) instead of mmsd, which must
 * have stopped; with `realtime`, then as many again with it and HAProxy in SCHED_FIFO.
 */
export async function floorStarts(o: Omit<StartsOptions, 'agentPid' | 'observer'>, hosts: Record<string, string>, realtime: boolean): Promise<{ other: StartTimes; fifo?: StartTimes }> {
  const agent = spawn(process.execPath, ['--conditions=@mmsd/source', '--import=tsx', FLOOR_AGENT, `${o.sim.url}/v2/events`, o.socket, JSON.stringify(hosts)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => agent.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      agent.once('message', () => resolve());
      agent.once('exit', (code) => reject(new Error(`the floor agent exited (${code})`)));
    });
    const other = await measureStarts({ ...o, agentPid: agent.pid! });
    if (!realtime || !setPolicy([agent.pid!, o.haproxyPid], 'fifo')) return { other };
    try {
      return { other, fifo: await measureStarts({ ...o, agentPid: agent.pid!, firstPort: o.firstPort + 5000 }) };
    } finally {
      setPolicy([o.haproxyPid], 'other');
    }
  } finally {
    agent.kill('SIGTERM');
    await exited;
  }
}
