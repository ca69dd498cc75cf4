import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Logger } from '@mmsd/core';
import type { ProcInfo } from './socket.js';
import { cli, parseShowProc } from './socket.js';

export interface ProcessOptions {
  bin: string;
  configFile: string;
  pidFile: string;
  socket: string;
  masterSocket: string;
  log: Logger;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The HAProxy that mmsd runs: master-worker mode, in the background (it outlives mmsd, so
 * traffic never depends on mmsd running), listeners handed from worker to worker on reload.
 * Started with `haproxy -W -D -f <config> -p <pidfile> -S <master socket>`, reloaded through
 * the master CLI, watched through its PID file.
 */
export class HaproxyProcess {
  constructor(private readonly options: ProcessOptions) {}

  /** PID of a running master, from the PID file (also one started by an earlier mmsd). */
  async masterPid(): Promise<number | undefined> {
    let text: string;
    try {
      text = await readFile(this.options.pidFile, 'utf8');
    } catch {
      return undefined;
    }
    const pid = Number.parseInt(text.trim().split(/\s+/)[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  }

  async proc(): Promise<ProcInfo | undefined> {
    try {
      return parseShowProc(await cli(this.options.masterSocket, 'show proc', 5000));
    } catch {
      return undefined;
    }
  }

  /** PID of the worker that answers on the admin socket. */
  async workerPid(): Promise<number | undefined> {
    try {
      const info = await cli(this.options.socket, 'show info', 5000);
      const pid = /^Pid: (\d+)$/m.exec(info);
      return pid ? Number(pid[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Starts HAProxy; resolves when its worker answers on the admin socket. */
  async start(): Promise<number> {
    const args = ['-W', '-D', '-f', this.options.configFile, '-p', this.options.pidFile, '-S', `${this.options.masterSocket},mode,600`];
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(this.options.bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      let output = '';
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.on('error', reject);
      // The daemonized master keeps the stderr pipe: wait for the launcher's exit, not for the pipe.
      child.on('exit', (exit) => {
        setTimeout(() => {
          child.stderr!.destroy();
          resolve({ code: exit, output });
        }, 20);
      });
    });
    if (code !== 0) throw new Error(`${this.options.bin} ${args.join(' ')} exited with ${code}: ${alerts(output)}`);
    for (let i = 0; i < 300; i++) {
      const pid = await this.masterPid();
      const worker = pid ? await this.workerPid() : undefined;
      if (pid && worker) {
        this.options.log.info('HAProxy started (master %d, worker %d)', pid, worker);
        return pid;
      }
      await sleep(20);
    }
    throw new Error('HAProxy was started but its worker does not answer on the admin socket');
  }

  /**
   * Reloads through the master CLI: the master starts a new worker with the new config and
   * hands it the listening sockets; the old worker finishes its connections. Resolves when the
   * new worker answers on the admin socket; rejects when the master says the reload failed (the
   * old worker then goes on serving with the old config).
   */
  async reload(timeoutMs = 60_000): Promise<number> {
    const before = await this.proc();
    if (!before) throw new Error('the HAProxy master CLI does not answer');
    const oldWorker = await this.workerPid();
    await cli(this.options.masterSocket, 'reload', 5000).catch(() => '');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await sleep(10);
      const now = await this.proc();
      if (!now) continue;
      if (now.failed > before.failed) {
        const logs = await cli(this.options.masterSocket, 'show startup-logs', 5000).catch(() => '');
        throw new Error(`HAProxy could not load the new config (${alerts(logs) || 'no reason given'}); the old one goes on serving`);
      }
      if (now.reloads <= before.reloads) continue;
      const worker = await this.workerPid();
      if (worker !== undefined && worker !== oldWorker && now.workers.includes(worker)) return worker;
    }
    throw new Error(`HAProxy did not finish reloading within ${timeoutMs / 1000} s`);
  }
}

/** The ALERT lines of HAProxy's output (or its last lines). */
export function alerts(output: string): string {
  const lines = output.split('\n').filter((l) => /\[(ALERT|ERROR)\]/.test(l));
  return (lines.length > 0 ? lines : output.split('\n').filter(Boolean).slice(-5))
    .map((l) => l.replace(/^\[(ALERT|ERROR)\]\s*\(\d+\)\s*:\s*/, ''))
    .join('; ');
}
