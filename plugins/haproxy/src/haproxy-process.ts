import { spawn } from 'node:child_process';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@mmsd/core';
import type { ProcInfo } from './socket.js';
import { cli, parseShowProc, workerPid } from './socket.js';

export interface ProcessOptions {
  bin: string;
  configFile: string;
  pidFile: string;
  socket: string;
  masterSocket: string;
  logFile: string;
  log: Logger;
}

async function size(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
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
 * The HAProxy that mmsd runs: master-worker mode, in a session of its own (it outlives mmsd,
 * so traffic never depends on mmsd running), listeners handed from worker to worker on
 * reload. Started with `haproxy -W -f <config> -p <pidfile> -S <master socket>`, reloaded
 * through the master CLI, watched through its PID file.
 */
export class HaproxyProcess {
  /** The master last found running. */
  private known: number | undefined;

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
    this.known = Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
    return this.known;
  }

  /** Whether the master is still alive: one signal-0 system call while it is the one last found, else the PID file. */
  async running(): Promise<boolean> {
    if (this.known !== undefined && alive(this.known)) return true;
    return (await this.masterPid()) !== undefined;
  }

  /**
   * Calls `gone` once when a connection to the master CLI closes: when the master ends, and when
   * it re-executes itself for a reload. HAProxy keeps an idle CLI connection in interactive mode
   * open; it is unreferenced, so it never keeps mmsd running. Returns what closes it (then
   * `gone` is not called).
   */
  watch(gone: () => void): () => void {
    const socket = createConnection(this.options.masterSocket);
    let watching = true;
    socket.unref();
    socket.on('connect', () => socket.write('prompt\n'));
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => {
      if (!watching) return;
      watching = false;
      gone();
    });
    return () => {
      watching = false;
      socket.destroy();
    };
  }

  async proc(): Promise<ProcInfo | undefined> {
    try {
      return parseShowProc(await cli(this.options.masterSocket, 'show proc', 5000));
    } catch {
      return undefined;
    }
  }

  /** PID of the worker that answers on the admin socket. */
  workerPid(): Promise<number | undefined> {
    return workerPid(this.options.socket);
  }

  /**
   * Starts HAProxy; resolves when its worker answers on the admin socket. The master runs in
   * its own session (it outlives mmsd) with its output appended to `logFile`: HAProxy 2.6 has
   * no other place that says why a reload failed.
   */
  async start(onExit?: (how: string) => void): Promise<number> {
    const args = ['-W', '-f', this.options.configFile, '-p', this.options.pidFile, '-S', `${this.options.masterSocket},mode,600`];
    await mkdir(dirname(this.options.logFile), { recursive: true });
    const from = await size(this.options.logFile);
    const log = await open(this.options.logFile, 'a', 0o644);
    let exit: number | null | undefined;
    let failure: Error | undefined;
    let started = false;
    try {
      const child = spawn(this.options.bin, args, { stdio: ['ignore', log.fd, log.fd], detached: true });
      child.on('exit', (code, signal) => {
        exit = code ?? (signal ? 128 : 1);
        // Seen at once (no polling): the restart window after a crash is what it costs.
        if (started) onExit?.(signal ? `killed by ${signal}` : `exited with ${code}`);
      });
      child.on('error', (error) => (failure = error));
      child.unref();
    } finally {
      await log.close();
    }
    for (let i = 0; i < 500; i++) {
      if (failure) throw failure;
      if (exit !== undefined) {
        throw new Error(`${this.options.bin} ${args.join(' ')} exited with ${exit}: ${alerts(await this.logSince(from)) || `see ${this.options.logFile}`}`);
      }
      const pid = await this.masterPid();
      const worker = pid ? await this.workerPid() : undefined;
      if (pid && worker) {
        started = true;
        this.options.log.info('HAProxy started (master %d, worker %d)', pid, worker);
        return pid;
      }
      await delay(20);
    }
    throw new Error(`HAProxy was started but its worker does not answer on the admin socket ${this.options.socket} (see ${this.options.logFile})`);
  }

  /** What HAProxy wrote to its log file after `offset`. */
  async logSince(offset: number): Promise<string> {
    try {
      const file = await open(this.options.logFile, 'r');
      try {
        const length = Math.min(64 * 1024, Math.max(0, (await file.stat()).size - offset));
        const buffer = Buffer.alloc(length);
        await file.read(buffer, 0, length, offset);
        return buffer.toString('utf8');
      } finally {
        await file.close();
      }
    } catch {
      return '';
    }
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
    const from = await size(this.options.logFile);
    await cli(this.options.masterSocket, 'reload', 5000).catch(() => '');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await delay(10);
      const now = await this.proc();
      if (!now) continue;
      if (now.failed > before.failed) {
        const reason = alerts(await this.logSince(from)) || `see ${this.options.logFile}`;
        throw new Error(`HAProxy could not load the new config (${reason}); the old one goes on serving`);
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
  const lines = output
    .split('\n')
    .filter((l) => /\[(ALERT|ERROR)\]/.test(l))
    .map((l) => l.replace(/^\[(ALERT|ERROR)\]\s*\(\d+\)\s*:\s*(config\s*:\s*)?/, ''));
  // The summary lines HAProxy ends with say nothing the others do not.
  const specific = lines.filter((l) => !/^(Error\(s\) found in configuration file|Fatal errors found in configuration)/.test(l));
  const chosen = specific.length > 0 ? specific : lines.length > 0 ? lines : output.split('\n').filter(Boolean).slice(-5);
  return chosen.join('; ');
}
