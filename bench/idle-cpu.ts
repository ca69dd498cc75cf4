import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { haproxyFiles } from './haproxy.js';
import { CLI, HAPROXY, stopAll, threadsCpuMs } from './mmsd-process.js';
import { startSimProcess } from './sim-process.js';
import { runtimeDir } from './tmpfs.js';
import { SYNTHETIC_AGENTS } from './agent-config.js';


export interface IdleResult {
  handlers: string;
  seconds: number;
  /**
   * CPU of the mmsd process (all its threads) in its first SETTLE_S seconds: the start, the
   * first sync, the resync after the stream connected, and V8's memory reducer, which runs
   * two full collections about 8 s after the allocations of the start have ended.
   */
  settleMs: number;
  /** CPU of the mmsd process per second after that, while nothing changes (Marathon's heartbeats only). */
  cpuMsPerSecond: number;
}

const SETTLE_S = 20;


/** mmsd with no handler, or with the haproxy handler, following an unchanging cluster of `apps` apps. */
export async function benchIdle(apps: number, handlers: 'none' | 'haproxy', seconds: number): Promise<IdleResult> {
  const sim = await startSimProcess(['--apps', String(apps), '--tasks', '3', '--heartbeat', '10000']);
  const dir = await runtimeDir('mmsd-bench-idle-');
  const files = haproxyFiles(dir);
  const hosts = SYNTHETIC_AGENTS;
  const plugins = handlers === 'haproxy' ? [['haproxy', { bin: HAPROXY, ...files, bind: '127.0.0.2', gateway: { http: 0, https: 0 }, statsPort: 0, checks: false, maxconn: 2000 }]] : [];
  await writeFile(join(dir, 'mmsd.json'), JSON.stringify({ marathon: { endpoints: [sim.url] }, stateFile: false, dns: { hosts }, plugins }));
  const env = { ...process.env, MMSD_DATA_DIR: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'xdg'), MMSD_CONFIG_DIR: join(dir, 'etc'), DEBUG: '' };
  const mmsd = spawn(process.execPath, [CLI, 'run', '--config', join(dir, 'mmsd.json')], { env, stdio: 'ignore' });
  const exited = new Promise((resolve) => mmsd.once('exit', resolve));
  try {
    await delay(SETTLE_S * 1000);
    const before = await threadsCpuMs(mmsd.pid!);
    await delay(seconds * 1000);
    return { handlers, seconds, settleMs: before, cpuMsPerSecond: ((await threadsCpuMs(mmsd.pid!)) - before) / seconds };
  } finally {
    await stopAll({ mmsd, exited, pidFile: files.pidFile, sim, dir });
  }
}
