import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MarathonClient } from '../marathon/client.js';
import type { MarathonApp } from '../marathon/types.js';
import type { AddressResolver } from '../model/address-resolver.js';
import type { StateStore } from '../state/store.js';
import { hostsOf } from './hosts.js';
import type { SerialQueue } from './serial-queue.js';

export interface RefetcherOptions {
  /** The current client (a reload may replace it). */
  client(): MarathonClient;
  store: StateStore;
  resolver: AddressResolver;
  queue: SerialQueue;
  log: Logger;
  /** A full sync's fetch is under way (its result brings the app too, and may be newer). */
  syncing(): boolean;
  /** Applies the events held back for the app (inside the queue). */
  replayDeferred(): Promise<void>;
  changed(): void;
  requestResync(reason: string): void;
  stopped(): boolean;
}

/**
 * Refetches single apps (what an event's payload cannot say: a new app, a deployment's
 * result, the health of an app with several checks). One request per app at a time; an app
 * that changes again while it is fetched is fetched once more after. The result applies
 * through the queue, at its place among the events; a failed refetch asks for a full sync.
 */
export class Refetcher {
  private readonly inflight = new Set<string>();
  private readonly again = new Set<string>();

  constructor(private readonly options: RefetcherOptions) {}

  has(appId: string): boolean {
    return this.inflight.has(appId);
  }

  /** Never awaited from inside the queue (its result is applied through it). */
  async refetch(id: string, why: string): Promise<void> {
    const { store, resolver, log } = this.options;
    if (this.inflight.has(id)) {
      this.again.add(id);
      return;
    }
    this.inflight.add(id);
    log.debug('refetching %s (%s)', id, why);
    let raw: MarathonApp | undefined;
    let ok = false;
    try {
      raw = await this.options.client().getApp(id);
      if (raw) await resolver.ensure(hostsOf([raw]));
      ok = true;
    } catch (error) {
      log.warn('could not refetch %s: %s; a resync will catch up', id, describeError(error));
    }
    await this.options.queue.run(async () => {
      this.inflight.delete(id);
      if (ok && !this.options.syncing() && !this.options.stopped()) store.replaceApp(id, raw);
      await this.options.replayDeferred();
      if (store.pending) this.options.changed();
    });
    if (!ok) this.options.requestResync(`refetch of ${id} failed`);
    else if (this.again.delete(id) && !this.options.stopped()) await this.refetch(id, 'changed again while it was fetched');
  }
}
