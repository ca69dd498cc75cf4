import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { haproxyWorkerPid as workerPid } from '@mmsd/plugin-haproxy';
import { haproxyFiles } from './haproxy.js';
import { startSimProcess } from './sim-process.js';
import { runtimeDir } from './tmpfs.js';

const CLI = fileURLToPath(new URL('../packages/cli/bin/run.js', import.meta.url));
const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const HZ = 100;

export interface CpuPerEventResult {
  apps: number;
  tasksPerApp: number;
  flips: number;
  /** CPU of mmsd and of the children it waited for (haproxy -c), per health flip. */
  cpuMsPerEvent: number;
}

/** utime + stime + cutime + cstime of a process, in ms. */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / HZ;
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
    const before = await cpuMs(mmsd.pid!);
    for (let i = 0; i < flips; i++) {
      const task = list.apps[(i * 7919) % list.apps.length]!.tasks[0]!;
      await sim.post(`/_sim/tasks/${task.id}/health`, { alive: i % 2 === 1 });
      await delay(900);
    }
    const used = (await cpuMs(mmsd.pid!)) - before;
    return { apps, tasksPerApp, flips, cpuMsPerEvent: used / flips };
  } finally {
    mmsd.kill('SIGTERM');
    await exited;
    try {
      process.kill(Number((await readFile(files.pidFile, 'utf8')).trim()), 'SIGTERM');
    } catch {
      // not running
    }
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
