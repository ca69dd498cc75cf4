import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { haproxyWorkerPid as workerPid } from '@mmsd/plugin-haproxy';
import { haproxyFiles } from './haproxy.js';
import { CLI, HAPROXY, cpuMs, stopAll } from './mmsd-process.js';
import { startSimProcess } from './sim-process.js';
import { runtimeDir } from './tmpfs.js';
import { SYNTHETIC_AGENTS } from './agent-config.js';


export interface CpuPerEventResult {
  apps: number;
  tasksPerApp: number;
  flips: number;
  /** CPU of mmsd and of the children it waited for (haproxy -c), per health flip. */
  cpuMsPerEvent: number;
}


/**
 * Waits until the process has used no more than 10 ms of CPU in each of 12 seconds in a row (at
 * most 120 s): V8's memory reducer starts its collections 8 s after the allocation slows down.
 */
async function quiet(pid: number): Promise<void> {
  let calm = 0;
  for (let second = 0; second < 120 && calm < 12; second++) {
    const before = await cpuMs(pid, true);
    await delay(1000);
    calm = (await cpuMs(pid, true)) - before <= 10 ? calm + 1 : 0;
  }
}

/**
 * The CPU one task event costs mmsd with the haproxy handler (checks off), children included:
 * `flips` health flips of tasks spread over the cluster, each 900 ms after the last, so that
 * every one is applied at run time and also gets the config file rewritten (`writeDelay`).
 */
export async function benchCpuPerEvent(apps: number, tasksPerApp: number, flips: number): Promise<CpuPerEventResult> {
  const sim = await startSimProcess(['--apps', String(apps), '--tasks', String(tasksPerApp), '--heartbeat', '10000']);
  const dir = await runtimeDir('mmsd-bench-cpu-');
  const files = haproxyFiles(dir);
  const hosts = SYNTHETIC_AGENTS;
  const options = { bin: HAPROXY, ...files, bind: '127.0.0.2', gateway: { http: 0, https: 0 }, statsPort: 0, checks: false, maxconn: 2000, ...(process.env.MMSD_BENCH_WRITE_DELAY ? { writeDelay: Number(process.env.MMSD_BENCH_WRITE_DELAY) } : {}) };
  const config = join(dir, 'mmsd.json');
  await writeFile(config, JSON.stringify({ marathon: { endpoints: [sim.url], timeout: 120 }, stateFile: false, dns: { hosts }, plugins: [['haproxy', options]] }));
  const env = { ...process.env, MMSD_DATA_DIR: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'xdg'), MMSD_CONFIG_DIR: join(dir, 'etc'), DEBUG: '' };
  // MMSD_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof", "--trace-gc" …: Node flags for
  // mmsd, whose output then goes to bench-mmsd.log (for finding where the time goes).
  const flags = process.env.MMSD_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const mmsd = spawn(process.execPath, [...flags, CLI, 'run', '--config', config], {
    env,
    stdio: flags.length > 0 ? ['ignore', openSync('bench-mmsd.log', 'w'), 'inherit'] : 'ignore',
  });
  const exited = new Promise((resolve) => mmsd.once('exit', resolve));
  try {
    while (!(await workerPid(files.socket).catch(() => undefined))) await delay(100);
    const list = (await (await fetch(`${sim.url}/v2/apps?embed=apps.tasks`)).json()) as { apps: { tasks: { id: string }[] }[] };
    const flip = async (i: number) => {
      const task = list.apps[(i * 7919) % list.apps.length]!.tasks[0]!;
      await sim.post(`/_sim/tasks/${task.id}/health`, { alive: i % 2 === 1 });
      await delay(900);
    };
    // Warm-up: the same flips on other tasks first. After the start V8 shrinks the heap it
    // grew for the full sync with a few full collections once the process goes quiet (at
    // 10,000 × 10 about 320 ms, 16 ms per event of a run this short): a cost of the start, not
    // of an event. So the process is left to become quiet before anything is counted.
    for (let i = 0; i < flips; i++) await flip(i + flips);
    await quiet(mmsd.pid!);
    const before = await cpuMs(mmsd.pid!, true);
    for (let i = 0; i < flips; i++) await flip(i);
    const used = (await cpuMs(mmsd.pid!, true)) - before;
    return { apps, tasksPerApp, flips, cpuMsPerEvent: used / flips };
  } finally {
    await stopAll({ mmsd, exited, pidFile: files.pidFile, sim, dir });
  }
}
