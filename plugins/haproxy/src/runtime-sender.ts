import type { Counter, Logger } from '@mmsd/core';
import { CliSession } from './cli-session.js';
import { cliBatch, failures } from './socket.js';

export interface RuntimeSenderOptions {
  socket: string;
  log: Logger;
  commands: Counter;
  /** What the runtime API could not do is left to a reload. */
  fallBack(): void;
  /** Runs a step in the controller's queue (retried deletions wait their turn). */
  enqueue(step: () => Promise<void>): void;
  running(): boolean;
}

/**
 * Sends runtime API commands in batches. A deletion refused because the server still has
 * connections is retried (0.1 s after the first refusal, then less often, at most every 10 s);
 * anything else the API refuses, or an API that does not answer, is left to a reload.
 */
export class RuntimeSender {
  private pendingDeletes = new Set<string>();
  private deleteTimer: NodeJS.Timeout | undefined;
  private deleteAttempts = 0;
  private stopped = false;
  private readonly session: CliSession;

  constructor(private readonly options: RuntimeSenderOptions) {
    this.session = new CliSession(options.socket);
  }

  /** Before HAProxy's worker changes (a reload or start): the next command connects to the new one. */
  disconnect(): void {
    this.session.close();
  }

  /** Deletions still to retry, as commands (they are then no longer pending). */
  takePendingDeletes(): string[] {
    const commands = [...this.pendingDeletes].map((id) => `del server ${id}`);
    this.pendingDeletes.clear();
    return commands;
  }

  /** A new worker has none of the servers still to delete. */
  forget(): void {
    this.pendingDeletes.clear();
    this.session.close();
  }

  stop(): void {
    this.stopped = true;
    this.session.close();
    if (this.deleteTimer) clearTimeout(this.deleteTimer);
  }

  async send(commands: readonly string[]): Promise<void> {
    const { log, commands: metric } = this.options;
    let answers: string[];
    try {
      answers = await cliBatch((line) => this.session.run(line, 10_000), commands);
    } catch (error) {
      log.warn('the HAProxy runtime API does not answer (%s); reloading instead', (error as Error).message);
      this.options.fallBack();
      return;
    }
    // A retried deletion may find its server gone already (a reload in between).
    const deletionsOnly = commands.every((c) => c.startsWith('del server '));
    const failed = answers.flatMap(failures).filter((line) => !(deletionsOnly && /^No such server/i.test(line)));
    if (!failed.some((line) => /still has connections/i.test(line))) this.deleteAttempts = 0;
    if (failed.length === 0) {
      metric.inc({ outcome: 'ok' }, commands.length);
      log.debug('runtime API: %d commands', commands.length);
      return;
    }
    const busy = failed.filter((line) => /still has connections|not in maintenance|still used/i.test(line));
    if (busy.length > 0) {
      // A server that still has connections is deleted later; it gets no new ones meanwhile.
      // The answers do not say which server refused: all of them are retried.
      for (const command of commands) {
        const del = /^del server (\S+)$/.exec(command);
        if (del) this.pendingDeletes.add(del[1]!);
      }
      this.scheduleDeleteRetry();
    }
    const other = failed.filter((line) => !busy.includes(line));
    metric.inc({ outcome: 'ok' }, Math.max(0, commands.length - failed.length));
    if (busy.length > 0) metric.inc({ outcome: 'retried' }, busy.length);
    if (other.length > 0) {
      metric.inc({ outcome: 'refused' }, other.length);
      log.warn('the HAProxy runtime API refused some changes (%s); reloading instead', other.slice(0, 3).join('; '));
      this.options.fallBack();
    }
  }

  private scheduleDeleteRetry(): void {
    if (this.deleteTimer || this.stopped || this.pendingDeletes.size === 0) return;
    const wait = Math.min(100 * 2 ** this.deleteAttempts, 10_000);
    this.deleteAttempts++;
    this.deleteTimer = setTimeout(() => {
      this.deleteTimer = undefined;
      this.options.enqueue(async () => {
        const commands = this.takePendingDeletes();
        if (commands.length > 0 && this.options.running()) await this.send(commands);
      });
    }, wait);
    this.deleteTimer.unref();
  }
}
