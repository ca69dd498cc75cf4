import type { MmsdConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { MetricsHelpers } from '../plugins/api.js';
import type { StateStore } from '../state/store.js';
import { StateFileWriter } from './state-file.js';

const DEBOUNCE_MS = 5_000;
const MAX_DELAY_MS = 30_000;

/**
 * Keeps the state file (`stateFile`) in step with the store: at once after a full sync, 5 s
 * after other changes (at most 30 s after the first unsaved one), and at stop. A failed save is
 * logged and retried by the writer; the next one supersedes it.
 */
export class Persister {
  private timer: NodeJS.Timeout | undefined;
  private dueBy = 0;
  private stopped = false;
  private readonly writer: StateFileWriter;

  constructor(
    private readonly options: { config(): MmsdConfig; store: StateStore; log: Logger; metrics: MetricsHelpers },
  ) {
    this.writer = new StateFileWriter({ log: options.log, metrics: options.metrics });
  }

  /** Temp files a crash left beside the state file. */
  removeStaleTemps(file: string): Promise<void> {
    return this.writer.removeStaleTemps(file);
  }

  schedule(soon: boolean): void {
    if (!this.options.config().stateFile || this.stopped) return;
    const now = Date.now();
    if (!this.timer) this.dueBy = now + MAX_DELAY_MS;
    else clearTimeout(this.timer);
    const due = soon ? now : Math.min(now + DEBOUNCE_MS, this.dueBy);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save();
    }, Math.max(0, due - now));
    this.timer.unref();
  }

  /** No more saves are scheduled (the agent is stopping). */
  cancel(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Saves a last time, then waits for the writer. */
  async finish(): Promise<void> {
    this.cancel();
    await this.save();
    await this.writer.stop();
  }

  private async save(): Promise<void> {
    const config = this.options.config();
    if (!config.stateFile || !this.options.store.known) return;
    const snapshot = this.options.store.snapshot;
    await this.writer.save(config.stateFile, () => snapshot.apps.values(), {
      endpoints: config.marathon.endpoints,
      ...(snapshot.syncedAt ? { syncedAt: snapshot.syncedAt } : {}),
    });
  }
}
