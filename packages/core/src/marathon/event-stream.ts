import { createParser } from 'eventsource-parser';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { Backoff } from '../util/backoff.js';
import type { MarathonClient } from './client.js';
import { openEventStream } from './stream-request.js';
import type { MarathonEvent } from './types.js';

export interface EventStreamOptions {
  client: MarathonClient;
  /** Milliseconds without a byte (Marathon sends a heartbeat every 10 s) before the stream is dead. */
  deadAfter?: number;
  backoff?: { min: number; max: number };
  /** A connection that lived this long resets the backoff. */
  stableAfter?: number;
  log?: Logger;
  onEvent: (event: MarathonEvent) => void;
  /** The stream is (re)connected: Marathon does not replay what was missed, so resync. */
  onOpen: () => void;
  /** A received event could not be parsed: resync to be safe. */
  onGarbage?: () => void;
  onReconnect?: (reason: string, delay: number) => void;
  /** The event types to ask for (`event_type=`); all when undefined. */
  eventTypes?: readonly string[];
}

/** The stream's path: light plans (1.5.9–1.7), and only `eventTypes` when given. */
export function eventsPath(eventTypes?: readonly string[]): string {
  const query = new URLSearchParams({ 'plan-format': 'light' });
  for (const type of eventTypes ?? []) query.append('event_type', type);
  return `/v2/events?${query}`;
}

/**
 * Marathon's `/v2/events` (Node's http client, frames parsed by `eventsource-parser`), with
 * what a long-running agent needs around it: auth kept across the leader redirect, a
 * dead-stream watchdog, reconnects with exponential backoff and jitter that rotate through
 * the endpoints.
 */
export class MarathonEventStream {
  private readonly options: EventStreamOptions;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private abort: AbortController | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private lastActivity = 0;
  private connectedAt = 0;
  private generation = 0;
  private running = false;
  private opened = false;

  constructor(options: EventStreamOptions) {
    this.options = options;
    this.log = options.log ?? silentLogger;
    this.backoff = new Backoff(options.backoff ?? { min: 500, max: 30_000 });
  }

  /** The event types this stream asks for (undefined: all). */
  get eventTypes(): readonly string[] | undefined {
    return this.options.eventTypes;
  }

  get connected(): boolean {
    return this.opened;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    this.teardown();
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
  }

  /** Drops the connection and reconnects (used when the agent suspects it missed something). */
  restart(reason: string): void {
    if (!this.running) return;
    this.fail(this.generation, reason);
  }

  private connect(): void {
    const generation = ++this.generation;
    const client = this.options.client;
    const endpoint = client.currentEndpoint();
    const url = `${endpoint.url}${eventsPath(this.options.eventTypes)}`;
    this.log.debug('connecting to %s', url);
    const abort = new AbortController();
    this.abort = abort;
    this.lastActivity = Date.now();
    this.armWatchdog(generation, this.options.deadAfter ?? 30_000);
    // Marathon names every frame (`event: status_update_event`); 0.9/0.10 sent data-only
    // frames. The name is not needed: the payload says its eventType.
    const parser = createParser({ onEvent: (message) => this.received(generation, message.data) });
    // Marathon answers 405 unless Accept is exactly text/event-stream.
    const headers = { ...client.headersFor(endpoint, 'text/event-stream'), 'Cache-Control': 'no-cache' };
    openEventStream(url, headers, abort.signal).then(
      (response) => {
        if (generation !== this.generation) return void response.destroy();
        this.lastActivity = Date.now();
        this.opened = true;
        this.connectedAt = Date.now();
        this.log.info('event stream connected to %s', endpoint.url);
        this.options.onOpen();
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (generation !== this.generation) return;
          this.lastActivity = Date.now();
          parser.feed(chunk);
        });
        response.on('error', (error) => this.fail(generation, describeError(error)));
        response.on('close', () => this.fail(generation, 'the stream ended'));
      },
      (error: unknown) => this.fail(generation, describeError(error)),
    );
  }

  private received(generation: number, data: string): void {
    if (generation !== this.generation) return;
    let event: MarathonEvent;
    try {
      event = JSON.parse(data) as MarathonEvent;
      if (!event || typeof event !== 'object' || typeof event.eventType !== 'string') {
        throw new Error('no eventType');
      }
    } catch (error) {
      this.log.warn('ignoring an event that is not Marathon JSON (%s): %s', describeError(error), data.slice(0, 120));
      this.options.onGarbage?.();
      return;
    }
    this.options.onEvent(event);
  }

  private armWatchdog(generation: number, deadAfter: number): void {
    const check = (): void => {
      if (generation !== this.generation) return;
      const idle = Date.now() - this.lastActivity;
      if (idle >= deadAfter) {
        this.fail(generation, `no data for ${Math.round(idle / 1000)} s (Marathon sends a heartbeat every 10 s)`);
        return;
      }
      this.watchdog = setTimeout(check, deadAfter - idle + 5);
    };
    this.watchdog = setTimeout(check, deadAfter + 5);
  }

  private fail(generation: number, reason: string): void {
    if (generation !== this.generation || !this.running) return;
    const lived = this.opened ? Date.now() - this.connectedAt : 0;
    this.teardown();
    if (lived >= (this.options.stableAfter ?? 30_000)) this.backoff.reset();
    const endpoint = this.options.client.currentEndpoint().url;
    if (this.options.client.endpoints.length > 1) this.options.client.rotate();
    const delay = this.backoff.next();
    this.log.warn('event stream from %s lost: %s; reconnecting in %d ms', endpoint, reason, delay);
    this.options.onReconnect?.(reason, delay);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.running) this.connect();
    }, delay);
  }

  private teardown(): void {
    this.generation++;
    this.opened = false;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.abort?.abort();
    this.abort = undefined;
  }
}
