import type { PluginContext, Service, Snapshot } from '@mmsd/core';
import type { Candidate } from './candidate.js';
import { ConfigLayout } from './config-layout.js';
import type { HaproxyOptions } from './options.js';
import type { ServiceView } from './view.js';

/** A runtime rewrite of the config file waits at least this many times the last one's duration. */
const WRITE_COST_FACTOR = 1000;

export interface ConfigFileOptions {
  ctx: PluginContext<HaproxyOptions>;
  options: HaproxyOptions;
  snapshot(): Snapshot | undefined;
  /** The checked config of the current snapshot (`load`: HAProxy will load it). */
  candidate(load: boolean): Promise<Candidate | undefined>;
  /** A change of this service is one the runtime API applies (else it waits for a reload). */
  atRuntime(view: ServiceView): boolean;
  /** The view of a service (the controller's, made once per service object). */
  view(service: Service): ServiceView;
  /** Runs a step in the controller's queue. */
  enqueue(step: () => Promise<void>): Promise<void>;
  /** A reload is scheduled: it writes the file itself. */
  reloadScheduled(): boolean;
  /** A write of the whole config failed: the controller tries its reload again. */
  retry(): void;
  stopping(): boolean;
}

/**
 * The config file on disk. Every config HAProxy loads is installed whole (checked before); after
 * runtime changes the file is kept in step by replacing the changed services' server lines in
 * the installed text (ConfigLayout), throttled by the cost of the last rewrite, and beside the
 * controller's queue, so that runtime changes never wait for a large write.
 */
export class ConfigFile {
  private layout: ConfigLayout | undefined;
  /**
   * Services whose servers changed at run time since the file was written, with the version of
   * the snapshot that changed them: a file rendered from an older snapshot does not have them.
   */
  private readonly unwritten = new Map<string, number>();
  private writtenVersion = -1;
  private writeTimer: NodeJS.Timeout | undefined;
  private writeRetryTimer: NodeJS.Timeout | undefined;
  private writeFailures = 0;
  /** When the last runtime rewrite of the file ended, and how long it took (ms). */
  private lastWriteAt = 0;
  private lastWriteMs = 0;
  /** The rewrite of the file by server lines under way (see write). */
  private splicing: Promise<void> = Promise.resolve();
  private spliceInFlight = false;

  constructor(private readonly o: ConfigFileOptions) {}

  /** A service's servers changed at run time in snapshot `version`: the file lacks it until rewritten. */
  changedAtRuntime(name: string, version: number): void {
    this.unwritten.set(name, version);
  }

  /**
   * Writes the checked config. A write that fails (a full disk, …) is retried with backoff, from
   * the snapshot of then, until it lands; HAProxy keeps running what it has meanwhile.
   */
  async install(candidate: Candidate): Promise<boolean> {
    const { ctx, options } = this.o;
    await this.splicing;
    try {
      await ctx.files.write(options.configFile, candidate.text, { mode: 0o644 });
    } catch (error) {
      this.writeFailures++;
      const wait = Math.min(1000 * 2 ** (this.writeFailures - 1), 30_000);
      if (this.writeFailures === 1) {
        ctx.log.error('cannot write the HAProxy config %s: %s; HAProxy keeps what it runs; trying again until it works', options.configFile, (error as Error).message);
      }
      if (!this.writeRetryTimer && !this.o.stopping()) {
        this.writeRetryTimer = setTimeout(() => {
          this.writeRetryTimer = undefined;
          this.o.retry();
        }, wait);
        this.writeRetryTimer.unref();
      }
      return false;
    }
    if (this.writeFailures > 0) ctx.log.info('wrote the HAProxy config %s again after %d failed attempts', options.configFile, this.writeFailures);
    this.writeFailures = 0;
    this.layout = options.manage ? ConfigLayout.of(candidate.text, candidate.view.services) : undefined;
    this.written(candidate.snapshot.version);
    return true;
  }

  /**
   * The file is rewritten `writeDelay` after the first runtime change it lacks (later changes
   * join that write instead of postponing it), and no sooner after the last rewrite than 1,000
   * times what that rewrite took: rewriting a large file stays under 0.1% of the time (at
   * 10,000 apps × 10 tasks an 11 MB file, about 10 ms here: one rewrite per 10 s at most, where
   * one per task event made the CPU of an event grow with the cluster; at 100 apps the file is
   * written `writeDelay` after the change). HAProxy does not read the file until a reload or a
   * start, and mmsd renders and writes it whole first for either.
   */
  scheduleWrite(): void {
    if (this.o.stopping() || this.writeTimer) return;
    const wait = Math.max(this.o.options.writeDelay, this.lastWriteAt + WRITE_COST_FACTOR * this.lastWriteMs - Date.now());
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      void this.o.enqueue(() => this.write());
    }, wait);
  }

  /** At shutdown, first: no more timers; returns whether a rewrite was due (see finish). */
  stopTimers(): boolean {
    if (this.writeRetryTimer) clearTimeout(this.writeRetryTimer);
    const due = this.writeTimer !== undefined;
    if (this.writeTimer) clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    return due;
  }

  /** At shutdown, once the queue drained: the rewrite that was due is done now. */
  async finish(due: boolean): Promise<void> {
    await this.splicing;
    if (due) await this.o.enqueue(() => this.write());
    await this.splicing;
  }

  /** The file now has the state of snapshot `version`, runtime changes included. */
  private written(version: number): void {
    this.writtenVersion = Math.max(this.writtenVersion, version);
    for (const [name, changedIn] of this.unwritten) if (changedIn <= version) this.unwritten.delete(name);
  }

  /**
   * Rewrites the config file to the current snapshot (no reload): the next reload agrees. When
   * only servers changed, only their lines are replaced in the file (nothing else to render or
   * check: server lines come from validated fields); else the whole config is rendered.
   */
  private async write(whole = false): Promise<void> {
    const { ctx, options } = this.o;
    if (this.spliceInFlight) {
      // Not waited for here: that would hold runtime changes in the queue behind it.
      void this.splicing.then(() => this.scheduleWrite());
      return;
    }
    const snapshot = this.o.snapshot();
    if (!snapshot || snapshot.version <= this.writtenVersion || this.o.reloadScheduled()) return;
    const views = [...this.unwritten.keys()].flatMap((name) => {
      const service = snapshot.services.get(name);
      return service ? [this.o.view(service)] : [];
    });
    const layout = this.layout;
    if (layout && views.length === 0 && this.unwritten.size === 0) {
      this.written(snapshot.version); // nothing the file lacks
      return;
    }
    if (!whole && layout && views.every((view) => this.o.atRuntime(view) && layout.has(view.name))) {
      const started = performance.now();
      const pieces = layout.splice(views);
      // The write runs beside the queue: runtime changes do not wait for an 11 MB file. What
      // writes the file next (a reload, a start, the next rewrite) waits for it.
      // It differs (servers changed): no read to compare. Rebuilt at every start: no fsync.
      this.spliceInFlight = true;
      this.splicing = ctx.files.write(options.configFile, pieces, { mode: 0o644, compare: false, fsync: false }).then(
        () => {
          this.spliceInFlight = false;
          this.lastWriteMs = performance.now() - started;
          this.lastWriteAt = Date.now();
          this.written(snapshot.version);
        },
        // The whole config, rendered, says why and retries.
        () => {
          this.spliceInFlight = false;
          void this.o.enqueue(() => this.write(true));
        },
      );
      return;
    }
    // With manage: false someone else's HAProxy loads this file: it is checked as for a load.
    const candidate = await this.o.candidate(!options.manage);
    if (candidate && candidate.snapshot.version > this.writtenVersion) await this.install(candidate);
  }
}
