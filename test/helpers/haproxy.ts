import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { haproxyCli, haproxyWorkerPid, parseServersState } from '@mmsd/plugin-haproxy';
import type { HaproxyOptions } from '@mmsd/plugin-haproxy';
import { freePort } from './ports.js';

/** Where a test's HAProxy keeps its files: all in `dir`. */
export type HaproxyFiles = Pick<HaproxyOptions, 'configFile' | 'pidFile' | 'socket' | 'masterSocket' | 'stateFile' | 'logFile'> & { dir: string };

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

/** One command to an HAProxy CLI socket, and the worker's PID (the plugin's own client). */
export { haproxyCli, haproxyWorkerPid as workerPid };

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

/** Servers of a backend that HAProxy sends traffic to: admin state ready and its health check passing. */
export async function serversUp(socket: string, backend: string): Promise<string[]> {
  const servers = parseServersState(await haproxyCli(socket, `show servers state ${backend}`));
  return servers
    .filter((s) => s.admin === 'ready' && s.operational === 'up')
    .map((s) => s.server)
    .sort();
}

/** `show servers state` of one backend: server name → admin state (ready, drain, maint). */
export async function serverStates(socket: string, backend: string): Promise<Map<string, string>> {
  const servers = parseServersState(await haproxyCli(socket, `show servers state ${backend}`));
  return new Map(servers.map((s) => [s.server, s.admin]));
}

/**
 * Every server mmsd made ready is up in HAProxy too (its own check passed): servers start DOWN
 * until then, so a test that expects all of them to answer waits for this first.
 */
export async function allReadyServersUp(socket: string): Promise<boolean> {
  const servers = parseServersState(await haproxyCli(socket, 'show servers state').catch(() => ''));
  return servers.length > 0 && servers.every((s) => s.admin !== 'ready' || s.operational === 'up');
}
