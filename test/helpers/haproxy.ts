import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from './ports.js';

export interface HaproxyFiles {
  dir: string;
  configFile: string;
  pidFile: string;
  socket: string;
  masterSocket: string;
  stateFile: string;
  logFile: string;
}

export function haproxyFiles(dir: string): HaproxyFiles {
  return {
    dir,
    configFile: join(dir, 'haproxy.cfg'),
    pidFile: join(dir, 'haproxy.pid'),
    socket: join(dir, 'haproxy.sock'),
    masterSocket: join(dir, 'haproxy-master.sock'),
    stateFile: join(dir, 'haproxy.state'),
    logFile: join(dir, 'haproxy.log'),
  };
}

export interface HaproxyPorts {
  http: number;
  https: number;
  stats: number;
}

export async function haproxyPorts(): Promise<HaproxyPorts> {
  return { http: await freePort(), https: await freePort(), stats: await freePort() };
}

/** The plugin entry of a test config: everything on loopback and in `files.dir`. */
export function haproxyPluginYaml(files: HaproxyFiles, ports: HaproxyPorts, extra: Record<string, unknown> = {}): string {
  const options = {
    bin: '/usr/sbin/haproxy',
    configFile: files.configFile,
    pidFile: files.pidFile,
    socket: files.socket,
    masterSocket: files.masterSocket,
    stateFile: files.stateFile,
    logFile: files.logFile,
    bind: '127.0.0.1',
    gateway: { http: ports.http, https: ports.https },
    statsPort: ports.stats,
    minReloadInterval: 0.2,
    writeDelay: 100,
    ...extra,
  };
  return `  - ["@mmsd/plugin-haproxy", ${JSON.stringify(options)}]\n`;
}

/** One command to an HAProxy CLI socket. */
export function haproxyCli(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = createConnection(socket, () => connection.end(`${command}\n`));
    let out = '';
    connection.setEncoding('utf8');
    connection.on('data', (chunk: string) => (out += chunk));
    connection.on('close', () => resolve(out));
    connection.on('error', reject);
  });
}

export async function workerPid(socket: string): Promise<number | undefined> {
  try {
    const info = await haproxyCli(socket, 'show info');
    const pid = /^Pid: (\d+)$/m.exec(info);
    return pid ? Number(pid[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function masterPid(files: HaproxyFiles): number | undefined {
  try {
    const pid = Number(readFileSync(files.pidFile, 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** HAProxy outlives mmsd by design: tests stop it themselves. */
export function stopHaproxy(files: HaproxyFiles): void {
  const pid = masterPid(files);
  if (pid) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }
}

/** Servers of a backend that HAProxy sends traffic to: admin state ready and health check passing. */
export async function serversUp(socket: string, backend: string): Promise<string[]> {
  const text = await haproxyCli(socket, `show servers state ${backend}`);
  const up: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 19 || line.startsWith('#')) continue;
    if (Number(f[6]) === 0 && Number(f[5]) === 2) up.push(f[3]!);
  }
  return up.sort();
}

/** `show servers state` of one backend: server name → admin state (ready, drain, maint). */
export async function serverStates(socket: string, backend: string): Promise<Map<string, string>> {
  const text = await haproxyCli(socket, `show servers state ${backend}`);
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 19 || line.startsWith('#')) continue;
    const admin = Number(f[6]);
    out.set(f[3]!, admin & 0x67 ? 'maint' : admin & 0x18 ? 'drain' : 'ready');
  }
  return out;
}
