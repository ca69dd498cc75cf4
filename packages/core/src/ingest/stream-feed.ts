import type { AgentMetrics } from '../metrics.js';
import { createLogger } from '../log.js';
import type { MarathonClient } from '../marathon/client.js';
import { MarathonEventStream } from '../marathon/event-stream.js';
import { STREAM_EVENT_TYPES } from '../marathon/events.js';
import type { MarathonEvent } from '../marathon/types.js';
import type { MmsdHooks } from '../plugins/hooks.js';

export interface StreamFeedOptions {
  client(): MarathonClient;
  /** Seconds without a byte before the stream is dead (`marathon.streamTimeout`). */
  streamTimeout(): number;
  retry?: { min: number; max: number };
  metrics: Pick<AgentMetrics, 'events' | 'streamReconnects'>;
  hooks(): MmsdHooks;
  /** Every event, in order, to the event router. */
  route(event: MarathonEvent): void;
  /** The stream is (re)connected. */
  opened(): void;
  /** The stream was lost (it reconnects). */
  lost?(): void;
  requestResync(reason: string): void;
  stopped(): boolean;
}

/**
 * Marathon's event stream into the agent: each event is counted, handed to `onMarathonEvent`
 * (in order, beside the flow: a slow tap never holds the router) and routed.
 */
export class StreamFeed {
  private stream: MarathonEventStream | undefined;
  private rawEvents: Promise<void> = Promise.resolve();

  constructor(private readonly o: StreamFeedOptions) {}

  /** Connects (again, to the current client after a reload). */
  start(): void {
    this.stream?.stop();
    const { o } = this;
    const eventTypes = this.wantedTypes();
    this.stream = new MarathonEventStream({
      client: o.client(),
      ...(eventTypes ? { eventTypes } : {}),
      deadAfter: o.streamTimeout() * 1000,
      ...(o.retry ? { backoff: o.retry } : {}),
      log: createLogger('events'),
      onOpen: () => o.opened(),
      onEvent: (event) => this.onEvent(event),
      onGarbage: () => o.requestResync('an event could not be parsed'),
      onReconnect: () => {
        o.metrics.streamReconnects.inc();
        o.lost?.();
      },
    });
    this.stream.start();
  }

  /** Connected with other event types than the plugins now want (after a reload that added or removed an `onMarathonEvent` tap). */
  get filterStale(): boolean {
    return this.stream !== undefined && this.stream.eventTypes !== this.wantedTypes();
  }

  /** Every event when a plugin sees the raw events (`onMarathonEvent`), else those the agent acts on. */
  private wantedTypes(): readonly string[] | undefined {
    return this.o.hooks().onMarathonEvent.isUsed() ? undefined : STREAM_EVENT_TYPES;
  }

  stop(): void {
    this.stream?.stop();
    this.o.lost?.();
  }

  /** Resolves when the `onMarathonEvent` taps have seen every event so far. */
  drained(): Promise<void> {
    return this.rawEvents;
  }

  private onEvent(event: MarathonEvent): void {
    if (this.o.stopped()) return;
    this.o.metrics.events.inc({ type: event.eventType });
    const hooks = this.o.hooks();
    if (hooks.onMarathonEvent.isUsed()) this.rawEvents = this.rawEvents.then(() => hooks.onMarathonEvent.promise(event)).catch(() => {});
    this.o.route(event);
  }
}
