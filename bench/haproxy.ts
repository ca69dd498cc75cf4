import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { serviceName } from '@mmsd/core';
import { haproxyCli as cli, haproxyWorkerPid as workerPid, parseServersState, proxyName, serverName } from '@mmsd/plugin-haproxy';
import { startSimProcess } from './sim-process.js';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';
import type { HaproxyFiles } from '../test/helpers/haproxy.js';
import { haproxyFiles as testHaproxyFiles } from '../test/helpers/haproxy.js';
import { CLI, HAPROXY } from './mmsd-process.js';
import { runtimeDir } from './tmpfs.js';
import { Observer, wallNow } from './observer.js';
import type { StartTimes } from './task-starts.js';
import { floorStarts, measureStarts } from './task-starts.js';
import { until } from './until.js';
import { HaproxySyslog } from './haproxy-syslog.js';
import { SYNTHETIC_AGENTS } from './agent-config.js';
import { setPolicy } from './schedstat.js';


export interface HaproxyResult {
  apps: number;
  tasksPerApp: number;
  /** From mmsd's start to HAProxy's worker answering (full sync, render, check, start). */
  startMs: number;
  /** Render and `haproxy -c` of the whole config, from mmsd's debug log. */
  renderMs: number;
  checkMs: number;
  configKb: number;
  /** Request to the simulator → the server's state changed in HAProxy (runtime API, no reload). */
  flipToRuntime: Summary;
  reloadsDuringFlips: number;
  /** Request creating an app → its listener served by a new worker (check, state save, reload). */
  createToServed: Summary;
  /** mmsd's own figure for the reload: state saved, file written, new worker answering. */
  reloadMs: Summary;
  haproxyRssMb: number;
  /**
   * A task start as Marathon sends it (TASK_RUNNING, then its first health result, back to
   * back; as many as health flips): from the simulator writing TASK_RUNNING to its event
   * streams to HAProxy's running worker making the new server ready (HAProxy's own time, from
   * its syslog line: see HaproxySyslog).
   */
  startToReady: Summary;
  /** The same start as a listener sees it: TASK_RUNNING received → HAProxy's log line read (both by the observer thread). */
  startToReadySeen: Summary;
  /** From the simulator writing the health result (the second event) to the server ready (HAProxy's time). */
  healthToReady: Summary;
  /**
   * Over each start (launch asked → server ready), how long mmsd's event loop and HAProxy's
   * worker threads were runnable but not running (ms, /proc schedstat); and, for the slowest
   * 1% of starts, their mean latency and mmsd's mean wait: how much of the tail is waiting for
   * a CPU rather than work. `stealMs`: the host's steal over a start's window (launch asked
   * 20 ms ahead → ready), mean of all starts and of the slowest 1%.
   */
  runQueueWait: { mmsd: Summary; haproxy: Summary; slowest: { starts: number; meanMs: number; mmsdWaitMs: number; stealMs: number }; stealMs: number };
  /** mmsd's CPU time (ms) from the launch asked to the server ready: its event loop's, all its threads'. */
  mmsdCpuPerStart: { loop: Summary; all: Summary };
  /** The simulator's CPU time (ms, all threads) over the same window, its answer to the launch request included: what the fake Marathon adds on the same vCPUs. */
  simCpuPerStart: Summary;
  /** Starts whose times disagree (HAProxy's before the simulator's): the clocks are not comparable if any. */
  clockDisagreements: number;
  /**
   * The same starts through the floor agent (bench/floor-agent.ts, after mmsd stopped): event →
   * ready, its CPU per start (all threads), how long its event loop waited for a CPU, and the
   * simulator's CPU per start: what the machine takes without mmsd's work.
   */
  floor: { startToReady: Summary; cpuPerStart: Summary; waited: Summary; simCpuPerStart: Summary };
  /**
   * With `realtime`: as many starts again, through mmsd and then the floor agent, with the
   * agent's and HAProxy's threads in SCHED_FIFO (priority 10): what packaging/systemd/realtime.conf
   * gives mmsd and the HAProxy it starts. Absent when the kernel refused it (no CAP_SYS_NICE).
   */
  realtime?: Pick<HaproxyResult, 'startToReady' | 'healthToReady' | 'runQueueWait' | 'mmsdCpuPerStart'> & { floor?: Omit<HaproxyResult['floor'], 'simCpuPerStart'> };
  /** mmsd's peak RSS (VmHWM) over the whole run. */
  mmsdPeakRssMb: number;
  /** mmsd's log lines of the reloads (their split of the time). */
  reloadLines: string[];
}

/** The files of a bench's HAProxy, all in `dir` (the tests' layout, without its `dir` key: these are plugin options). */
export function haproxyFiles(dir: string): Omit<HaproxyFiles, 'dir'> {
  const { dir: _dir, ...files } = testHaproxyFiles(dir);
  return files;
}

/** Admin state of one server (ready / drain / maint), from `show servers state <backend>`. */
async function adminState(socket: string, backend: string, server: string): Promise<string | undefined> {
  return parseServersState(await cli(socket, `show servers state ${backend}`)).find((s) => s.server === server)?.admin;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
}

function runQueueSummary(waits: { latency: number; mmsd: number; haproxy: number; steal: number }[]): HaproxyResult['runQueueWait'] {
  const slowest = [...waits].sort((a, b) => b.latency - a.latency).slice(0, Math.max(1, Math.ceil(waits.length / 100)));
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  return {
    mmsd: summarize(waits.map((w) => w.mmsd)),
    haproxy: summarize(waits.map((w) => w.haproxy)),
    slowest: { starts: slowest.length, meanMs: mean(slowest.map((w) => w.latency)), mmsdWaitMs: mean(slowest.map((w) => w.mmsd)), stealMs: mean(slowest.map((w) => w.steal)) },
    stealMs: mean(waits.map((w) => w.steal)),
  };
}

/**
 * The haproxy handler with the real CLI and a real HAProxy against a simulated cluster: the
 * start, health flips applied through the runtime API (observed on HAProxy's admin socket),
 * and new apps (a reload each). HAProxy's own health checks are off (the synthetic tasks do
 * not exist); services are bound on 127.0.0.2.
 */
export async function benchHaproxy(apps: number, tasksPerApp: number, events: number, reloads: number, realtime = false): Promise<HaproxyResult> {
  const sim = await startSimProcess(['--apps', String(apps), '--tasks', String(tasksPerApp), '--heartbeat', '10000']);
  const scratch = await runtimeDir('mmsd-bench-haproxy-');
  const files = haproxyFiles(scratch);
  const hosts = SYNTHETIC_AGENTS;
  const syslog = await HaproxySyslog.listen();
  const template = join(scratch, 'haproxy-bench.cfg.ejs');
  await syslog.writeTemplate(template);
  const options = { bin: HAPROXY, ...files, template, bind: '127.0.0.2', gateway: { http: 0, https: 0 }, statsPort: 0, checks: false, minReloadInterval: 0, maxconn: 2000 };
  const config = join(scratch, 'mmsd.json');
  await writeFile(config, JSON.stringify({ marathon: { endpoints: [sim.url], timeout: 120 }, stateFile: false, dns: { hosts }, plugins: [['haproxy', options]] }));
  const env = { ...process.env, MMSD_DATA_DIR: join(scratch, 'data'), XDG_CONFIG_HOME: join(scratch, 'xdg'), MMSD_CONFIG_DIR: join(scratch, 'etc'), DEBUG: '' };
  const started = performance.now();
  // MMSD_BENCH_NODE_FLAGS: Node flags for mmsd (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof), as in cpu-per-event.ts.
  const flags = process.env.MMSD_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const mmsd = spawn(process.execPath, [...flags, CLI, 'run', '--config', config, '--log-level', process.env.MMSD_BENCH_LOG_LEVEL ?? 'info'], { env, stdio: ['ignore', flags.length > 0 ? openSync('bench-mmsd.log', 'w') : 'ignore', 'pipe'] });
  const log: string[] = [];
  createInterface({ input: mmsd.stderr! }).on('line', (line) => log.push(line));
  const exited = new Promise((resolve) => mmsd.once('exit', resolve));
  let observer: Observer | undefined;
  try {
    const worker = await until(() => workerPid(files.socket), 'HAProxy to start');
    const startMs = performance.now() - started;
    const check = /config of \d+ services rendered \((\d+) ms, (\d+) kB\) and checked by haproxy -c \((\d+) ms\)/.exec(log.find((l) => /checked by haproxy -c/.test(l)) ?? '');
    // Let the resync after the stream connected pass.
    await delay(2000);

    // Only the ids are kept: the whole answer would grow the bench's heap (and its pauses) at 10,000 apps.
    const answer = (await (await fetch(`${sim.url}/v2/apps?embed=apps.tasks`)).json()) as { apps: { id: string; tasks: { id: string }[] }[] };
    const list = { apps: answer.apps.map((app) => ({ id: app.id, tasks: app.tasks.map((task) => ({ id: task.id })) })) };
    const flips: number[] = [];
    // Only what it times: the other events would wake it during the starts it measures.
    observer = await Observer.start(files.logFile, `${sim.url}/v2/events?event_type=status_update_event`);
    const alive = new Map<string, boolean>();
    const reloadsBefore = log.filter((l) => /HAProxy reloaded/.test(l)).length;
    for (let i = 0; i < events; i++) {
      const app = list.apps[Math.floor(Math.random() * list.apps.length)]!;
      const task = app.tasks[Math.floor(Math.random() * app.tasks.length)]!;
      const next = !(alive.get(task.id) ?? true);
      alive.set(task.id, next);
      const backend = proxyName(serviceName(app.id, 0));
      const t0 = wallNow();
      const changed = observer.when(backend, serverName(task.id), next ? 'ready' : 'maint', t0);
      await sim.post(`/_sim/tasks/${task.id}/health`, { alive: next });
      flips.push((await changed) - t0);
      await until(async () => ((await adminState(files.socket, backend, serverName(task.id))) === (next ? 'ready' : 'maint') ? true : undefined), `the flip of ${task.id} in HAProxy after its log said so`, 5000);
      await delay(60);
    }
    // Task starts through mmsd, then the same through the floor agent (mmsd stopped first).
    const haproxyPid = (await workerPid(files.socket)) ?? Number.NaN;
    let starts: StartTimes;
    let fifo: StartTimes | undefined;
    try {
      starts = await measureStarts({ sim, syslog, observer, socket: files.socket, apps: list.apps, agentPid: mmsd.pid!, haproxyPid, count: events, firstPort: 40_000 });
      if (realtime && setPolicy([mmsd.pid!, haproxyPid], 'fifo')) {
        try {
          fifo = await measureStarts({ sim, syslog, observer, socket: files.socket, apps: list.apps, agentPid: mmsd.pid!, haproxyPid, count: events, firstPort: 45_000 });
        } finally {
          setPolicy([mmsd.pid!, haproxyPid], 'other');
        }
      }
    } finally {
      await observer.stop();
      observer = undefined;
    }
    const sameWorker = (await workerPid(files.socket)) === worker;
    const reloadsDuringFlips = log.filter((l) => /HAProxy reloaded/.test(l)).length - reloadsBefore + (sameWorker ? 0 : 1);

    const creates: number[] = [];
    for (let i = 0; i < reloads; i++) {
      const id = `/bench-new/app-${i}`;
      const t0 = performance.now();
      const response = await fetch(`${sim.url}/v2/apps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id, instances: tasksPerApp, portDefinitions: [{ port: 0 }] }),
      });
      if (!response.ok) throw new Error(`creating ${id}: ${response.status} ${await response.text()}`);
      const backend = proxyName(serviceName(id, 0));
      await until(async () => ((await cli(files.socket, `show servers state ${backend}`)).includes(`${backend} `) ? true : undefined), `${id} in HAProxy`, Number(process.env.BENCH_CREATE_TIMEOUT ?? 300_000));
      creates.push(performance.now() - t0);
    }
    // mmsd logs a reload once it has checked the new worker's states: a moment after it serves.
    if (reloads > 0) await until(async () => (log.some((l) => /HAProxy reloaded: .*\(\d+ ms:/.test(l)) ? true : undefined), 'mmsd to log the reload', 10_000).catch(() => {});
    const reloadMs = log.flatMap((l) => {
      const m = /HAProxy reloaded: .*\((\d+) ms:/.exec(l);
      return m ? [Number(m[1])] : [];
    });
    const current = await workerPid(files.socket);
    const haproxyRssMb = current ? await rssMb(current) : Number.NaN;
    const mmsdPeakRssMb = Number(/^VmHWM:\s+(\d+)/m.exec(await readFile(`/proc/${mmsd.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    mmsd.kill('SIGTERM');
    await exited;
    const floors = await floorStarts({ sim, syslog, socket: files.socket, apps: list.apps, haproxyPid: current ?? Number.NaN, count: events, firstPort: 50_000 }, SYNTHETIC_AGENTS, fifo !== undefined);
    const floor = floors.other;
    const floorOf = (times: StartTimes) => ({ startToReady: summarize(times.startToReady), cpuPerStart: summarize(times.agentCpu.map((c) => c.all)), waited: summarize(times.waits.map((w) => w.mmsd)) });
    const mmsdOf = (times: StartTimes) => ({
      startToReady: summarize(times.startToReady),
      healthToReady: summarize(times.healthToReady),
      runQueueWait: runQueueSummary(times.waits),
      mmsdCpuPerStart: { loop: summarize(times.agentCpu.map((c) => c.loop)), all: summarize(times.agentCpu.map((c) => c.all)) },
    });
    return {
      apps,
      tasksPerApp,
      startMs,
      renderMs: Number(check?.[1] ?? Number.NaN),
      configKb: Number(check?.[2] ?? Number.NaN),
      checkMs: Number(check?.[3] ?? Number.NaN),
      flipToRuntime: summarize(flips),
      reloadsDuringFlips,
      createToServed: summarize(creates),
      reloadMs: summarize(reloadMs),
      haproxyRssMb,
      ...mmsdOf(starts),
      startToReadySeen: summarize(starts.startToReadySeen),
      simCpuPerStart: summarize(starts.simCpu),
      clockDisagreements: starts.clockDisagreements + floor.clockDisagreements + (fifo?.clockDisagreements ?? 0) + (floors.fifo?.clockDisagreements ?? 0),
      floor: { ...floorOf(floor), simCpuPerStart: summarize(floor.simCpu) },
      ...(fifo
        ? {
            realtime: { ...mmsdOf(fifo), ...(floors.fifo ? { floor: floorOf(floors.fifo) } : {}) },
          }
        : {}),
      mmsdPeakRssMb,
      reloadLines: log.filter((l) => /HAProxy reloaded|checked by haproxy -c/.test(l)).map((l) => l.replace(/^\S+ /, '')),
    };
  } catch (error) {
    await writeFile(join(process.cwd(), "bench/results/haproxy-failure.log"), log.join("\n"));
    throw new Error(`${(error as Error).message}\nmmsd said:\n${log.slice(-30).join("\n")}`);
  } finally {
    await observer?.stop();
    syslog.close();
    mmsd.kill('SIGTERM');
    await exited;
    const master = Number((await readFile(files.pidFile, 'utf8').catch(() => '')).trim());
    if (master) {
      try {
        process.kill(master, 'SIGTERM');
      } catch {
        // gone
      }
    }
    await sim.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
