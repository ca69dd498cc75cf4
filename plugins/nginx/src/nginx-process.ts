import { readFile } from 'node:fs/promises';
import type { PluginContext } from '@mmsd/core';
import type { NginxOptions } from './options.js';

/** The running nginx master, by its pid file: started, reloaded (SIGHUP), checked. */
export class NginxProcess {
  constructor(
    private readonly ctx: PluginContext<NginxOptions>,
    private readonly options: NginxOptions,
  ) {}

  /** The master's pid, if the pid file names a live process. */
  async masterPid(): Promise<number | undefined> {
    const pid = Number((await readFile(this.options.pidFile, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  /** `nginx -t` of a config file; the reason when it is refused. */
  async check(file: string): Promise<string | undefined> {
    const result = await this.ctx.exec(this.options.bin, ['-t', '-q', '-e', this.options.logFile, '-c', file], { timeout: 120_000 });
    if (result.code === 0) return undefined;
    return (result.stderr || result.stdout).trim().split('\n').slice(0, 5).join('; ') || `exit code ${result.code}`;
  }

  /** Starts nginx on the installed config (it daemonizes: the master writes the pid file). */
  async start(): Promise<void> {
    // -e: nginx opens its error log before it reads the config; its compiled-in one may not be ours to write.
    const result = await this.ctx.exec(this.options.bin, ['-e', this.options.logFile, '-c', this.options.configFile], { timeout: 60_000 });
    if (result.code !== 0) throw new Error(`nginx did not start: ${(result.stderr || result.stdout).trim().split('\n')[0]}`);
  }

  /** Reloads the master (SIGHUP): new workers with the installed config, old ones finish. */
  async reload(pid: number): Promise<void> {
    process.kill(pid, 'SIGHUP');
  }
}
