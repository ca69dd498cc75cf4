import type { Logger } from '@mmsd/core';

export type StartReason = 'initial' | 'died';

export interface SupervisorOptions {
  log: Logger;
  /** Whether mmsd believes HAProxy runs (it started or adopted one). */
  running(): boolean;
  /** Whether the master really is alive (its PID file and process). */
  alive(): Promise<boolean>;
  /** HAProxy is gone: mmsd stops believing it runs. */
  markDead(): void;
  /** There is something to run (a first snapshot). */
  ready(): boolean;
  start(reason: StartReason): Promise<void>;
}

/**
 * Keeps HAProxy running. One that died is started again: at once when mmsd saw it exit (it is
 * mmsd's child), else within 250 ms (its PID file is watched). One that could not be started
 * (a port taken, …) is tried again every second; after more than 5 attempts within a minute
 * (starts that then ran for 10 s or more do not count), every 30 s, saying why.
 */
export class Supervisor {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = false;
  private reason: StartReason = 'initial';
  private nextAttempt = 0;
  private attempts: number[] = [];
  private exitReason = '';
  private startError = '';
  private lastStartAt = 0;

  constructor(private readonly options: SupervisorOptions) {}

  begin(): void {
    this.schedule(250);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** The HAProxy mmsd started exited (`how`: killed by SIGKILL, exited with 1, …). */
  exited(how: string): void {
    this.exitReason = how;
    void this.tick();
  }

  started(): void {
    this.startError = '';
    this.lastStartAt = Date.now();
  }

  failed(message: string): void {
    this.startError = message;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = this.stopped ? undefined : setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || this.ticking) return;
    this.ticking = true;
    try {
      await this.check();
    } finally {
      this.ticking = false;
    }
    this.schedule(this.options.running() ? 250 : 1000);
  }

  private async check(): Promise<void> {
    const { log } = this.options;
    if (this.options.running() && !(await this.options.alive())) {
      this.options.markDead();
      this.reason = 'died';
      // Only a HAProxy that dies soon after its start is a crash loop to slow down.
      if (Date.now() - this.lastStartAt >= 10_000) this.attempts = [];
      log.error('HAProxy is not running any more%s; starting it again', this.exitReason ? ` (${this.exitReason})` : '');
      this.exitReason = '';
    }
    const now = Date.now();
    if (this.options.running() || !this.options.ready() || now < this.nextAttempt) return;
    this.attempts = [...this.attempts.filter((t) => now - t < 60_000), now];
    if (this.attempts.length > 5) {
      log.error(
        'HAProxy could not be kept running (%d attempts within a minute%s); next attempt in 30 s',
        this.attempts.length,
        this.startError ? `, the last: ${this.startError}` : '',
      );
      this.attempts = [];
      this.nextAttempt = now + 30_000;
      return;
    }
    await this.options.start(this.reason);
  }
}
