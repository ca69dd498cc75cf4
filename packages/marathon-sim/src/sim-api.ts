import type { TaskJson } from './app-definition.js';
import type { EventHub } from './event-hub.js';
import type { SimEvent } from './events.js';

type Json = Record<string, unknown>;

/** Filled in by a launch: when its `TASK_RUNNING` was written to the event streams. */
export interface LaunchTiming {
  /** In: milliseconds to wait before the launch's first event (its task id is known at once). */
  delayMs?: number;
  /** Out, set before the launch's first await: the new task's id. */
  taskId?: string;
  /**
   * When its `TASK_RUNNING` went out, taken just before the write (so that a reader the write
   * wakes cannot delay it): `performance.timeOrigin + performance.now()`, wall-clock ms, µs precision.
   */
  runningAt?: number;
  /** When its first health result went out, likewise (if the app has checks and the launch is `healthy`). */
  healthAt?: number;
}

export interface Faults {
  /** Every request's connection is reset; open event streams are dropped. (`stop()` refuses connections.) */
  down?: boolean;
  /** REST requests answer this HTTP status (with Marathon's JSON error body). */
  status?: number;
  /** REST requests answer 200 with an HTML page instead of JSON. */
  garbage?: boolean;
  /** REST requests answer 200 with the first half of the JSON body. */
  truncate?: boolean;
  /** Milliseconds every REST answer is delayed. */
  slow?: number;
  /** `/v2/apps` answers `{"apps":[]}` (what a broken Marathon might say). */
  emptyApps?: boolean;
  /** Event streams stay connected but receive nothing, not even heartbeats. */
  silentStream?: boolean;
  /** `/v2/events` answers this HTTP status. */
  eventsStatus?: number;
  /** `/v2/events` answers 302 to this Marathon (what a 1.7+ standby does). */
  redirectEventsTo?: string;
  /** REST requests are proxied to this Marathon (what a standby does). */
  proxyTo?: string;
}

export interface Placement {
  host?: string;
  /** Host ports of the task (one per port definition / host-port mapping). */
  ports?: number[];
  /** The task's IP (container networks); default derived from the host. */
  ipAddress?: string;
  /** Health check results once running (default: healthy when `autoHealthy`). */
  healthy?: boolean;
}

export interface SimulatorOptions {
  host?: string;
  port?: number;
  /** Milliseconds between event stream heartbeats (default 10 000, as Marathon). */
  heartbeatInterval?: number;
  /** Agent host names new tasks are placed on, round-robin (default 127.0.0.1). */
  agents?: string[];
  /** Require credentials: `{ basic: "user:pass" }` or `{ token: "…" }` (DC/OS). */
  auth?: { basic?: string; token?: string };
  /** Tasks of apps with health checks become healthy once running (default true). */
  autoHealthy?: boolean;
  /** Milliseconds between the steps of an action (default 0: the next tick). */
  stepDelay?: number;
  /** Number style of REST bodies: Marathon 1.9+ (jackson, `128.0`) or older (play, `128`). */
  restNumbers?: 'jackson' | 'play';
  /** Health events with `taskId` instead of `instanceId` (Marathon ≤1.3). */
  legacyHealthEvents?: boolean;
  version?: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  at: number;
}

/** What the simulator's HTTP server (server.ts) uses of it: the simulator implements it. */
export interface SimulatorHost {
  readonly faults: Faults;
  readonly requests: RequestRecord[];
  readonly options: Required<Omit<SimulatorOptions, 'auth' | 'port' | 'host'>> & Pick<SimulatorOptions, 'auth'>;
  readonly hub: EventHub;
  readonly url: string;
  readonly leader: string;
  commonHeaders(): Record<string, string>;
  infoBody(): string;
  appsBody(options: { tasks: boolean; idFilter?: string }): string;
  appBody(id: string): string | undefined;
  tasksBody(appId?: string): string;
  app(id: string): Json | undefined;
  task(taskId: string): TaskJson | undefined;
  emit(event: SimEvent): void;
  dropStreams(): void;
  setFaults(faults: Faults): void;
  clearFaults(): void;
  createApp(input: Json, placements?: Placement[]): Promise<string>;
  updateApp(id: string, patch: Json, placements?: Placement[]): Promise<string>;
  deleteApp(id: string): Promise<string>;
  launchTask(appId: string, placement?: Placement, timing?: LaunchTiming): Promise<string>;
  killTask(taskId: string, options?: { scale?: boolean; replacement?: Placement }): Promise<void>;
  setHealth(taskId: string, alive: boolean, cause?: string): Promise<void>;
  setTaskState(taskId: string, state: string): Promise<void>;
}
