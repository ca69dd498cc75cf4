import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { deploymentApps, healthOf, parseEvent } from '../marathon/events.js';
import type { RoutedEvent } from '../marathon/events.js';
import type { MarathonEvent } from '../marathon/types.js';
import type { AddressResolver } from '../model/address-resolver.js';
import type { StateStore } from '../state/store.js';
import type { SerialQueue } from './serial-queue.js';

export interface EventRouterOptions {
  store: StateStore;
  resolver: AddressResolver;
  queue: SerialQueue;
  log: Logger;
  /** A full sync's fetch is under way: every event waits for its result. */
  syncing(): boolean;
  /** The app is being refetched: its events wait for the result. */
  refetching(appId: string): boolean;
  refetch(appId: string, why: string): void;
  requestResync(reason: string): void;
  /** The store has changes to publish. */
  changed(): void;
  stopped(): boolean;
}

const MAX_DEFERRED = 100_000;

/**
 * Applies Marathon's events to the store, in order, from their payloads (the tasks of a status
 * update, a health result, a new definition); what the payload cannot say is refetched (one
 * app). An event that arrives while a fetch that supersedes it is under way is held back and
 * replayed after its result.
 */
export class EventRouter {
  private deferred: RoutedEvent[] = [];

  constructor(private readonly options: EventRouterOptions) {}

  /** Queues the event behind everything before it. */
  route(event: MarathonEvent): void {
    const routed = parseEvent(event);
    if (!routed) return;
    void this.options.queue
      .run(() => this.apply(routed))
      .catch((error: unknown) => this.options.log.error('event %s could not be applied: %s', event.eventType, describeError(error)));
  }

  /** Applies the held-back events in order (call it inside the queue); those still blocked are held again. */
  async replayDeferred(): Promise<void> {
    if (this.deferred.length === 0) return;
    const events = this.deferred;
    this.deferred = [];
    for (const event of events) await this.apply(event);
  }

  private blocked(appId: string): boolean {
    return this.options.syncing() || !this.options.store.known || this.options.refetching(appId);
  }

  private defer(event: RoutedEvent): void {
    if (this.deferred.length >= MAX_DEFERRED) {
      // So many events while Marathon could not be synced: the next sync supersedes them.
      this.deferred = [];
      this.options.requestResync('too many events held back');
      return;
    }
    this.deferred.push(event);
  }

  private async apply(event: RoutedEvent): Promise<void> {
    const { store, resolver } = this.options;
    if (this.options.stopped()) return;
    switch (event.eventType) {
      case 'status_update_event': {
        if (this.blocked(event.appId)) return this.defer(event);
        if (event.host && !resolver.knows(event.host)) await resolver.ensure([event.host]);
        if (store.applyStatusUpdate(event) === 'unknown-app') {
          this.defer(event);
          this.options.refetch(event.appId, 'a task of an app not yet known');
        }
        break;
      }
      case 'health_status_changed_event':
      case 'instance_health_changed_event': {
        const { appId, id, alive } = healthOf(event);
        if (this.blocked(appId)) return this.defer(event);
        const result = store.applyHealth(appId, id, alive);
        if (result === 'unknown-app') {
          this.defer(event);
          this.options.refetch(appId, 'health of an app not yet known');
        } else if (result === 'needs-refetch') this.options.refetch(appId, 'health of an app with several checks');
        break;
      }
      case 'api_post_event': {
        const definition = event.appDefinition!;
        if (this.blocked(definition.id)) return this.defer(event);
        store.applyDefinition(definition);
        break;
      }
      case 'deployment_success':
      case 'deployment_failed': {
        for (const [appId, actions] of deploymentApps(event)) {
          const known = store.currentApps.get(appId);
          if (event.eventType === 'deployment_success') {
            // An app whose definition already has the plan's version is up to date (its
            // api_post_event or an earlier refetch brought it); a stopped app is gone.
            if (known && event.plan?.version && known.version >= event.plan.version) continue;
            if (!known && actions.every((a) => a === 'StopApplication')) continue;
          }
          this.options.refetch(appId, event.eventType);
        }
        break;
      }
      case 'app_terminated_event': {
        if (this.blocked(event.appId)) return this.defer(event);
        store.removeApp(event.appId);
        break;
      }
    }
    if (store.pending) this.options.changed();
  }
}
