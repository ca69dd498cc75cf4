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
  /**
   * Calls `gone` when the running master may have ended (a connection to its CLI closed);
   * returns what stops watching.
   */
  watch(gone: () => void): () => void;
}

/** How often a running HAProxy is checked besides the watch (which sees its end at once). */
const RUNNING_CHECK_MS = 5000;

/**
 * Keeps HAProxy running. One that died is started again at once: mmsd sees its child exit, and
 * holds a connection to the master CLI of any master (also one an earlier mmsd started), which
 * closes when the master ends; its PID is also checked every 5 s. Nothing wakes mmsd more
 * often while HAProxy runs (a check every 250 ms was 1.2 ms of CPU per second, idle). One that could not be started
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
  private unwatch: (() => void) | undefined;
  private watchedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SupervisorOptions) {}

  begin(): void {
    this.schedule(250);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.unwatch?.();
    this.unwatch = undefined;
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
    if (this.options.running()) {
      const wait = this.arm();
      this.schedule(wait > 0 ? wait : RUNNING_CHECK_MS);
    } else this.schedule(1000);
  }

  /**
   * Watches the master. A watch is started at most once a second (a master CLI that closes
   * every connection at once must not make a loop of it): returns how long until it may be, 0
   * when it watches.
   */
  private arm(): number {
    if (this.unwatch || this.stopped) return 0;
    const since = Date.now() - this.watchedAt;
    if (since < 1000) return 1000 - since;
    this.watchedAt = Date.now();
    this.unwatch = this.options.watch(() => {
      this.unwatch = undefined;
      void this.tick();
    });
    return 0;
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
