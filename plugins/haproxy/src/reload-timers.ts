/**
 * When reloads run: at most one per `minReloadInterval` (structural changes that come meanwhile
 * go into it), and one that failed again after 1, 2, 4 … 60 s. `run(force)` is called with
 * whether the reload must happen even if the structure is unchanged (the runtime API refused
 * something: it is in the config, not in the worker).
 */
export class ReloadTimers {
  lastReloadAt = 0;
  /** Reloads that failed in a row. */
  failed = 0;
  private timer: NodeJS.Timeout | undefined;
  private forced = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: { minReloadInterval: number; run(force: boolean): void; stopping(): boolean }) {}

  get scheduled(): boolean {
    return this.timer !== undefined;
  }

  schedule(force = false): void {
    this.forced ||= force;
    if (this.timer || this.o.stopping()) return;
    const wait = Math.max(0, this.lastReloadAt + this.o.minReloadInterval * 1000 - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const forced = this.forced;
      this.forced = false;
      this.o.run(forced);
    }, wait);
  }

  /** A reload (or start) happened now. Returns whether it ends a run of failures. */
  reloaded(): boolean {
    this.lastReloadAt = Date.now();
    const recovered = this.failed > 0;
    this.failed = 0;
    return recovered;
  }

  /** A reload failed: it is tried again later. Returns the wait in ms. */
  failedOnce(): number {
    this.failed++;
    const wait = Math.min(1000 * 2 ** (this.failed - 1), 60_000);
    if (!this.retryTimer && !this.o.stopping()) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.o.run(false);
      }, wait);
      this.retryTimer.unref();
    }
    return wait;
  }

  stop(): void {
    for (const timer of [this.timer, this.retryTimer]) if (timer) clearTimeout(timer);
  }
}
