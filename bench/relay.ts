import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, loadPlugins } from '@mmsd/core/host';
import { createStaticResolver } from '@mmsd/core/testing';
import type { App, MmsdConfig, Snapshot } from '@mmsd/core';
import type { LoadedPlugin } from '@mmsd/core/host';
import { CLI } from './mmsd-process.js';
import { startSimProcess } from './sim-process.js';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';
import { runtimeDir } from './tmpfs.js';
import { benchAgentConfig, SYNTHETIC_AGENTS } from './agent-config.js';

export interface RelayResult {
  apps: number;
  tasksPerApp: number;
  /** Health flip requested → the service's upstream file written, by an agent at the simulator and one behind a relay (same flips). */
  direct: Summary;
  relayed: Summary;
  /** The same flip → its event received by each of `readers` raw readers of the relay's /v2/events. */
  readers: number;
  fanout: Summary;
  /** The relay's RSS after the run, and its peak. */
  relayRssMb: number;
  relayPeakRssMb: number;
  /** Bytes of one `GET /v2/apps?embed=apps.tasks` at this size (what every agent's full sync costs Marathon). */
  appsAnswerBytes: number;
  /** Requests to the simulator's /v2/ while the agent behind the relay started and ran its flips (its requests go to the relay). */
  marathonRequestsDuringFlips: number;
}

const AGENTS = SYNTHETIC_AGENTS;
const config = (url: string): MmsdConfig => benchAgentConfig(url, 120);

/** An in-process agent with upstream-confd and a probe that notes when each service was written. */
async function agent(url: string, dir: string) {
  const written = new Map<string, number>();
  const waiters = new Set<() => void>();
  let last: Snapshot | undefined;
  const probe: LoadedPlugin = {
    request: 'probe',
    file: 'bench',
    options: {},
    plugin: {
      name: 'probe',
      apply(hooks) {
        hooks.onSnapshot.tap((snapshot, changes) => {
          const now = performance.now();
          last = snapshot;
          for (const change of changes.services) written.set(change.name, now);
          for (const waiter of [...waiters]) waiter();
        });
      },
    },
  };
  const [confd] = await loadPlugins({ entries: [['upstream-confd', { dir }]], searchDirs: [process.cwd()], baseDir: process.cwd() });
  const a = new Agent({ config: config(url), configDir: process.cwd(), plugins: [confd!, probe], resolver: createStaticResolver(AGENTS) });
  await a.start();
  return {
    agent: a,
    snapshot: () => last!,
    /** When `service` is written after `since` (performance.now()). */
    writtenAfter(service: string, since: number): Promise<number> {
      return new Promise((resolve) => {
        const check = (): void => {
          const at = written.get(service);
          if (at !== undefined && at >= since) {
            waiters.delete(check);
            resolve(at);
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** `count` raw readers of a relay's event stream, in a worker thread (readers-worker.mjs). */
async function readersOf(port: number, count: number) {
  const worker = new Worker(new URL('./readers-worker.mjs', import.meta.url), { workerData: { port, count } });
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve());
  });
  return {
    /** When each reader received its first `type` frame after `since` (a wallNow() value). */
    all(type: string, since: number): Promise<number[]> {
      return new Promise((resolve) => {
        worker.once('message', (message: { hits: number[] }) => resolve(message.hits));
        worker.postMessage({ type: 'want', since, eventType: type });
      });
    },
    async close(): Promise<void> {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage({ type: 'stop' });
      await exited;
    },
  };
}

async function rss(pid: number): Promise<{ now: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) / 1024;
  return { now: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * The relay: a relay process (the real CLI) in front of the simulator; an agent at the
 * simulator and one behind the relay, in this process; `readers` raw event-stream readers of
 * the relay. Health flips as in the upstream-confd bench, each timed to both agents' files and
 * to every reader.
 */
export async function benchRelay(apps: number, tasksPerApp: number, events: number, readers: number): Promise<RelayResult> {
  const sim = await startSimProcess(['--apps', String(apps), '--tasks', String(tasksPerApp), '--heartbeat', '10000']);
  const scratch = await runtimeDir('mmsd-bench-relay-');
  const port = 20_000 + Math.floor(Math.random() * 10_000);
  const file = join(scratch, 'relay.json');
  await writeFile(file, JSON.stringify({ marathon: { endpoints: [sim.url], timeout: 120 }, stateFile: false, dns: { hosts: AGENTS }, plugins: [['relay', { port, maxOutstanding: 100_000 }]] }));
  const env = { ...process.env, MMSD_DATA_DIR: join(scratch, 'data'), XDG_CONFIG_HOME: join(scratch, 'xdg'), MMSD_CONFIG_DIR: join(scratch, 'etc'), DEBUG: '' };
  const relay = spawn(process.execPath, [CLI, 'run', '--config', file], { env, stdio: 'ignore' });
  const relayUrl = `http://127.0.0.1:${port}`;
  let fleet: Awaited<ReturnType<typeof readersOf>> | undefined;
  const agents: Awaited<ReturnType<typeof agent>>[] = [];
  try {
    for (;;) {
      const status = (await fetch(`${relayUrl}/ping`).catch(() => undefined))?.status;
      if (status === 200 && (await fetch(`${relayUrl}/v2/info`).then((r) => r.json() as Promise<{ relay: { synced: boolean } }>)).relay.synced) break;
      if (relay.exitCode !== null) throw new Error(`the relay exited (${relay.exitCode})`);
      await delay(100);
    }
    const appsAnswerBytes = (await (await fetch(`${sim.url}/v2/apps?embed=apps.tasks`)).arrayBuffer()).byteLength;
    // One phase each (the agent at Marathon, the agent behind the relay, the readers), so that
    // none of them shares this process's event loop with another while it is measured.
    const alive = new Map<string, boolean>();
    let list: App[] = [];
    const flips = async (measure: (t0: number, service: string) => Promise<number[]>): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < events; i++) {
        const app = list[Math.floor(Math.random() * list.length)]!;
        const task = [...app.tasks.values()][Math.floor(Math.random() * app.tasks.size)]!;
        const next = !(alive.get(task.id) ?? true);
        alive.set(task.id, next);
        const t0 = performance.now();
        const [, times] = await Promise.all([sim.post(`/_sim/tasks/${task.id}/health`, { alive: next }), measure(t0, app.services[0]!)]);
        out.push(...times);
        await delay(60);
      }
      return out;
    };
    const marathonRequests = async () => (await sim.requests()).filter((q) => q.path.startsWith('/v2/')).length;
    const timedAgent = async (url: string, name: string): Promise<number[]> => {
      const a = await agent(url, join(scratch, name));
      agents.push(a);
      list = [...a.snapshot().apps.values()];
      await delay(2000); // the resync after the stream connected passes
      const times = await flips(async (t0, service) => [(await a.writtenAfter(service, t0)) - t0]);
      await a.agent.stop();
      agents.splice(agents.indexOf(a), 1);
      return times;
    };
    const d = await timedAgent(sim.url, 'direct');
    const requestsBefore = await marathonRequests();
    const r = await timedAgent(relayUrl, 'relayed');
    const requestsDuring = (await marathonRequests()) - requestsBefore;
    fleet = await readersOf(port, readers);
    const f = await flips(async (t0) => {
      const wall0 = performance.timeOrigin + t0;
      return (await fleet!.all('health_status_changed_event', wall0)).map((at) => at - wall0);
    });
    const memory = await rss(relay.pid!);
    return {
      apps,
      tasksPerApp,
      direct: summarize(d),
      relayed: summarize(r),
      readers,
      fanout: summarize(f),
      relayRssMb: memory.now,
      relayPeakRssMb: memory.peak,
      appsAnswerBytes,
      marathonRequestsDuringFlips: requestsDuring,
    };
  } finally {
    await fleet?.close();
    for (const a of agents) await a.agent.stop();
    relay.kill('SIGTERM');
    await sim.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
