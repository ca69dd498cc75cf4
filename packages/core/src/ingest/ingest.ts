import type { MmsdConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { MarathonClient } from '../marathon/client.js';
import type { AgentMetrics } from '../metrics.js';
import type { AddressResolver } from '../model/address-resolver.js';
import type { MmsdHooks } from '../plugins/hooks.js';
import type { StateStore } from '../state/store.js';
import type { Sleeper } from '../util/sleeper.js';
import { EventRouter } from './event-router.js';
import { Refetcher } from './refetcher.js';
import { SerialQueue } from './serial-queue.js';
import { StreamFeed } from './stream-feed.js';
import { SyncLoop } from './sync-loop.js';

export interface IngestOptions {
  /** The current client, config and hooks (a reload may replace them). */
  client(): MarathonClient;
  config(): MmsdConfig;
  hooks(): MmsdHooks;
  mode: 'run' | 'once';
  store: StateStore;
  resolver: AddressResolver;
  metrics: AgentMetrics;
  log: Logger;
  sleeper: Sleeper;
  /** Reconnect and retry delays (ms), for tests. */
  retry?: { min: number; max: number };
  /** The store has changes to publish. */
  changed(): void;
  /** Publishes what the store has now. */
  flush(): Promise<void>;
  /** A full sync was applied. */
  synced(): void;
  /** The event stream is (re)connected, or lost (it reconnects). */
  streamOpened(): void;
  streamLost(): void;
  stopped(): boolean;
}

/**
 * Marathon's changes into the store, in order: full syncs (the sync loop), the event stream
 * (the feed, each event routed), single-app refetches — all applied through one serial queue,
 * and each holding back what the others will supersede.
 */
export class Ingest {
  readonly queue = new SerialQueue();
  readonly router: EventRouter;
  readonly refetcher: Refetcher;
  readonly sync: SyncLoop;
  readonly feed: StreamFeed;

  constructor(o: IngestOptions) {
    const { store, resolver, log, changed, stopped } = o;
    const queue = this.queue;
    const requestResync = (reason: string): void => this.sync.request(reason);
    const retry = o.retry ? { retry: o.retry } : {};
    this.router = new EventRouter({
      store,
      resolver,
      queue,
      log,
      syncing: () => this.sync.inFlight,
      refetching: (appId) => this.refetcher.has(appId),
      refetch: (appId, why) => void this.refetcher.refetch(appId, why),
      requestResync,
      changed,
      stopped,
    });
    this.refetcher = new Refetcher({
      client: o.client,
      store,
      resolver,
      queue,
      log,
      syncing: () => this.sync.inFlight,
      replayDeferred: () => this.router.replayDeferred(),
      changed,
      requestResync,
      stopped,
    });
    this.sync = new SyncLoop({
      client: o.client,
      config: o.config,
      mode: o.mode,
      store,
      resolver,
      queue,
      metrics: o.metrics,
      log,
      sleeper: o.sleeper,
      ...retry,
      replayDeferred: () => this.router.replayDeferred(),
      flush: o.flush,
      synced: o.synced,
      stopped,
    });
    this.feed = new StreamFeed({
      client: o.client,
      streamTimeout: () => o.config().marathon.streamTimeout,
      ...retry,
      metrics: o.metrics,
      hooks: o.hooks,
      route: (event) => this.router.route(event),
      opened: () => {
        o.streamOpened();
        // Resync unless the next sync's request has yet to leave (it will see everything).
        if (this.sync.started || store.known) requestResync('event stream connected');
      },
      lost: o.streamLost,
      requestResync,
      stopped,
    });
  }

  /** Stops following Marathon (what is in the queue still runs: `queue.idle()`). */
  stop(): void {
    this.feed.stop();
    this.sync.stop();
  }
}
