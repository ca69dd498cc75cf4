import type { MmsdConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MarathonClient } from '../marathon/client.js';
import type { AgentMetrics } from '../metrics.js';
import type { AddressResolver } from '../model/address-resolver.js';
import type { App } from '../model/types.js';
import { loadState } from '../persist/state-file.js';
import { StateStore } from '../state/store.js';
import { Backoff } from '../util/backoff.js';
import type { Sleeper } from '../util/sleeper.js';
import { fetchedAppsSink } from './fetched-apps.js';
import type { FetchedApps } from './fetched-apps.js';
import { hostsOf } from './hosts.js';
import type { SerialQueue } from './serial-queue.js';

export interface SyncLoopOptions {
  /** The current client and config (a reload may replace them). */
  client(): MarathonClient;
  config(): MmsdConfig;
  mode: 'run' | 'once';
  store: StateStore;
  resolver: AddressResolver;
  queue: SerialQueue;
  metrics: Pick<AgentMetrics, 'syncs' | 'lastSync'>;
  log: Logger;
  sleeper: Sleeper;
  /** Reconnect and retry delays (ms). */
  retry?: { min: number; max: number };
  /** Applies the events held back while the fetch was under way (inside the queue). */
  replayDeferred(): Promise<void>;
  /** Publishes what the store has now. */
  flush(): Promise<void>;
  /** A full sync was applied: the state file should follow soon. */
  synced(): void;
  stopped(): boolean;
}

/**
 * Full syncs: at the start, after every reconnect of the event stream, every `resyncInterval`,
 * and when something asks for one (coalesced with one under way). A failed fetch keeps the last
 * good state and is retried with backoff; an answer that drops most up tasks at once is
 * confirmed by a second fetch first (the drop guard). Events that arrive while the fetch is
 * under way wait for its result, which applies at its place among them.
 */
export class SyncLoop {
  private syncing: Promise<boolean> | undefined;
  private fetching = false;
  private fetchStartedAt = Number.NEGATIVE_INFINITY;
  private again = false;
  private readonly backoff: Backoff;
  private resyncTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SyncLoopOptions) {
    this.backoff = new Backoff(options.retry ?? { min: 1000, max: 30_000 });
  }

  /** A full sync's fetch is under way: events wait until its result is applied. */
  get inFlight(): boolean {
    return this.fetching;
  }

  /** Whether a full sync's request has been sent (one not yet sent will see every change). */
  get started(): boolean {
    return this.fetchStartedAt > Number.NEGATIVE_INFINITY;
  }

  /** Asks for a full sync now (coalesced with one already running). */
  request(reason: string): void {
    if (this.options.stopped()) return;
    if (this.syncing) {
      this.again = true;
      return;
    }
    void this.run(reason);
  }

  /** A full sync; resolves whether its result was applied. */
  async run(reason: string): Promise<boolean> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    const run = this.once(reason);
    this.syncing = run;
    let ok = false;
    try {
      ok = await run;
    } finally {
      this.syncing = undefined;
    }
    if (this.again && !this.options.stopped()) {
      this.again = false;
      return this.run('events may have been missed while syncing');
    }
    return ok;
  }

  /** The next periodic resync (`run` mode), from now. */
  scheduleResync(): void {
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    if (this.options.mode !== 'run' || this.options.stopped()) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      this.request('periodic');
      this.scheduleResync();
    }, this.interval() * 1000);
  }

  /** Seconds to the next full sync: with no event stream (`poll`), every pollInterval. */
  private interval(): number {
    const { marathon } = this.options.config();
    return marathon.mode === 'poll' ? marathon.pollInterval : marathon.resyncInterval;
  }

  stop(): void {
    for (const timer of [this.resyncTimer, this.retryTimer]) if (timer) clearTimeout(timer);
  }

  /**
   * Starts from the state file when Marathon cannot be reached and nothing is known yet;
   * resolves whether a state is known now.
   */
  async restore(): Promise<boolean> {
    const { store, config: configOf, log } = this.options;
    const config = configOf();
    if (store.known || !config.stateFile) return store.known;
    try {
      const saved = await loadState(config.stateFile, config.marathon.endpoints);
      if (!saved) return false;
      await this.options.resolver.ensure(hostsOf(saved.apps));
      let applied = false;
      await this.options.queue.run(async () => {
        if (store.known) return;
        store.replaceAll(saved.apps, { ...(saved.syncedAt ? { syncedAt: saved.syncedAt } : {}), full: false });
        applied = true;
        await this.options.replayDeferred();
      });
      if (!applied) return true;
      log.warn('Marathon is unreachable; starting from the state saved at %s (%d apps) until it answers', saved.savedAt, saved.apps.length);
      await this.options.flush();
      return true;
    } catch (error) {
      log.error('%s', describeError(error));
      return false;
    }
  }

  private async once(reason: string): Promise<boolean> {
    const { store, resolver, log, metrics } = this.options;
    const kind = reason === 'initial' ? 'initial' : 'resync';
    log.debug('full sync (%s)', reason);
    this.fetching = true;
    let fetched: FetchedApps | undefined;
    let fetchMs = 0;
    try {
      this.fetchStartedAt = performance.now();
      fetched = await this.options.client().eachApp(() => fetchedAppsSink(store));
      fetchMs = performance.now() - this.fetchStartedAt;
      await resolver.ensure(fetched.hosts);
      if (store.known && this.looksLikeDrop(fetched.apps)) {
        const delay = this.options.config().dropGuard.confirmDelay;
        log.warn('Marathon answered with %d of %d up tasks; confirming with a second fetch in %ds before applying', StateStore.upTasksIn(fetched.apps), store.upTasks(), delay);
        await this.options.sleeper.sleep(delay * 1000);
        if (this.options.stopped()) fetched = undefined;
        else {
          fetched = await this.options.client().eachApp(() => fetchedAppsSink(store));
          await resolver.ensure(fetched.hosts);
          if (this.looksLikeDrop(fetched.apps)) log.warn('the drop was confirmed; applying it');
        }
      }
    } catch (error) {
      fetched = undefined;
      metrics.syncs.inc({ kind, outcome: 'error' });
      const delay = this.backoff.next();
      log.error('full sync failed: %s; %s, retrying in %ds', describeError(error), store.known ? 'keeping the last good state' : 'nothing is known yet', Math.round(delay / 1000));
      this.scheduleRetry(delay);
    }
    // The result is applied at its place among the events, then the events held back meanwhile.
    let applied = false;
    await this.options.queue.run(async () => {
      this.fetching = false;
      if (fetched && !this.options.stopped()) {
        const applying = performance.now();
        store.replacePrepared(fetched.apps);
        this.backoff.reset();
        metrics.syncs.inc({ kind, outcome: 'ok' });
        metrics.lastSync.set(Date.now() / 1000);
        log.debug('full sync: %d apps (fetch, parse and model %d ms, applied in %d ms)', fetched.apps.length, Math.round(fetchMs), Math.round(performance.now() - applying));
        applied = true;
      }
      await this.options.replayDeferred();
    });
    if (!applied || this.options.stopped()) return false;
    await this.options.flush();
    this.options.synced();
    return true;
  }

  private looksLikeDrop(apps: readonly App[]): boolean {
    const guard = this.options.config().dropGuard;
    const current = this.options.store.upTasks();
    if (current < guard.minBackends || current === 0) return false;
    const next = StateStore.upTasksIn(apps);
    return (current - next) / current > guard.ratio;
  }

  private scheduleRetry(delay: number): void {
    if (this.options.mode !== 'run' || this.options.stopped()) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.request('retry after a failed sync');
    }, delay);
  }
}
