import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { haproxyFiles } from './haproxy.js';
import { CLI, HAPROXY, cpuMs, stopAll } from './mmsd-process.js';
import { startSimProcess } from './sim-process.js';
import { runtimeDir } from './tmpfs.js';


export interface IdleResult {
  handlers: string;
  seconds: number;
  /** CPU of the mmsd process per second while nothing changes (Marathon's heartbeats only). */
  cpuMsPerSecond: number;
}


/** mmsd with no handler, or with the haproxy handler, following an unchanging cluster of `apps` apps. */
export async function benchIdle(apps: number, handlers: 'none' | 'haproxy', seconds: number): Promise<IdleResult> {
  const sim = await startSimProcess(['--apps', String(apps), '--tasks', '3', '--heartbeat', '10000']);
  const dir = await runtimeDir('mmsd-bench-idle-');
  const files = haproxyFiles(dir);
  const hosts = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`agent-${i + 1}.cluster.internal`, `10.1.0.${i + 1}`]));
  const plugins = handlers === 'haproxy' ? [['haproxy', { bin: HAPROXY, ...files, bind: '127.0.0.2', gateway: { http: 0, https: 0 }, statsPort: 0, checks: false, maxconn: 2000 }]] : [];
  await writeFile(join(dir, 'mmsd.json'), JSON.stringify({ marathon: { endpoints: [sim.url] }, stateFile: false, dns: { hosts }, plugins }));
  const env = { ...process.env, MMSD_DATA_DIR: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'xdg'), MMSD_CONFIG_DIR: join(dir, 'etc'), DEBUG: '' };
  const mmsd = spawn(process.execPath, [CLI, 'run', '--config', join(dir, 'mmsd.json')], { env, stdio: 'ignore' });
  const exited = new Promise((resolve) => mmsd.once('exit', resolve));
  try {
    await delay(6000); // start, first sync, the resync after the stream connected
    const before = await cpuMs(mmsd.pid!);
    await delay(seconds * 1000);
    return { handlers, seconds, cpuMsPerSecond: ((await cpuMs(mmsd.pid!)) - before) / seconds };
  } finally {
    await stopAll({ mmsd, exited, pidFile: files.pidFile, sim, dir });
  }
}
