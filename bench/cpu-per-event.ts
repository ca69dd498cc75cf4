import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { haproxyWorkerPid as workerPid } from '@mmsd/plugin-haproxy';
import { haproxyFiles } from './haproxy.js';
import { CLI, HAPROXY, cpuMs, stopAll } from './mmsd-process.js';
import { startSimProcess } from './sim-process.js';
import { runtimeDir } from './tmpfs.js';


export interface CpuPerEventResult {
  apps: number;
  tasksPerApp: number;
  flips: number;
  /** CPU of mmsd and of the children it waited for (haproxy -c), per health flip. */
  cpuMsPerEvent: number;
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
  const hosts = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`agent-${i + 1}.cluster.internal`, `10.1.0.${i + 1}`]));
  const options = { bin: HAPROXY, ...files, bind: '127.0.0.2', gateway: { http: 0, https: 0 }, statsPort: 0, checks: false, maxconn: 2000 };
  const config = join(dir, 'mmsd.json');
  await writeFile(config, JSON.stringify({ marathon: { endpoints: [sim.url], timeout: 120 }, stateFile: false, dns: { hosts }, plugins: [['haproxy', options]] }));
  const env = { ...process.env, MMSD_DATA_DIR: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'xdg'), MMSD_CONFIG_DIR: join(dir, 'etc'), DEBUG: '' };
  const mmsd = spawn(process.execPath, [CLI, 'run', '--config', config], { env, stdio: 'ignore' });
  const exited = new Promise((resolve) => mmsd.once('exit', resolve));
  try {
    while (!(await workerPid(files.socket).catch(() => undefined))) await delay(100);
    await delay(3000); // the resync after the stream connected, and the first file rewrite
    const list = (await (await fetch(`${sim.url}/v2/apps?embed=apps.tasks`)).json()) as { apps: { tasks: { id: string }[] }[] };
    const before = await cpuMs(mmsd.pid!, true);
    for (let i = 0; i < flips; i++) {
      const task = list.apps[(i * 7919) % list.apps.length]!.tasks[0]!;
      await sim.post(`/_sim/tasks/${task.id}/health`, { alive: i % 2 === 1 });
      await delay(900);
    }
    const used = (await cpuMs(mmsd.pid!, true)) - before;
    return { apps, tasksPerApp, flips, cpuMsPerEvent: used / flips };
  } finally {
    await stopAll({ mmsd, exited, pidFile: files.pidFile, sim, dir });
  }
}
