import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { TaskJson } from './app-definition.js';
import { EventHub } from './event-hub.js';
import type { SimEvent } from './events.js';
import { timestamp } from './ids.js';
import { restJson } from './json.js';
import { ClusterState } from './cluster-state.js';
import { appBody, appJson, appsBody, tasksBody } from './rest.js';
import { Scenario } from './scenario.js';
import { createSimulatorServer } from './server.js';
import type { Faults, LaunchTiming, Placement, RequestRecord, SimulatorHost, SimulatorOptions } from './sim-api.js';

export type { Faults, LaunchTiming, Placement, RequestRecord, SimulatorOptions } from './sim-api.js';

type Json = Record<string, unknown>;


/**
 * A Marathon 1.10 that runs in-process: REST (`/v2/apps`, `/v2/tasks`, `/v2/info`, …) and
 * the event stream in Marathon's exact wire format, with actions (scale, kill, health flips,
 * deploys, deletes) that emit the event sequences Marathon emits, and injectable faults.
 */
export class MarathonSimulator implements SimulatorHost {
  readonly options: Required<Omit<SimulatorOptions, 'auth' | 'port' | 'host'>> & Pick<SimulatorOptions, 'auth'>;
  readonly faults: Faults = {};
  readonly requests: RequestRecord[] = [];
  readonly hub: EventHub;
  private readonly state = new ClusterState();
  private readonly scenario: Scenario;
  private server: Server | undefined;
  private address = '';

  constructor(options: SimulatorOptions = {}) {
    this.options = {
      heartbeatInterval: options.heartbeatInterval ?? 10_000,
      agents: options.agents ?? ['127.0.0.1'],
      autoHealthy: options.autoHealthy ?? true,
      stepDelay: options.stepDelay ?? 0,
      restNumbers: options.restNumbers ?? 'jackson',
      legacyHealthEvents: options.legacyHealthEvents ?? false,
      version: options.version ?? '1.10.26',
      ...(options.auth ? { auth: options.auth } : {}),
    };
    this.hub = new EventHub({
      heartbeatInterval: this.options.heartbeatInterval,
      headers: () => this.commonHeaders(),
    });
    this.scenario = new Scenario(this.state, this.options, (event) => this.emit(event));
  }

  /** Creates a simulator and listens (on 127.0.0.1 and a free port unless told otherwise). */
  static async start(options: SimulatorOptions = {}): Promise<MarathonSimulator> {
    const sim = new MarathonSimulator(options);
    await sim.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    return sim;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createSimulatorServer(this);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const info = server.address() as AddressInfo;
    const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    this.address = `${shown}:${info.port}`;
    return this.url;
  }

  get url(): string {
    return `http://${this.address}`;
  }

  /** `host:port` as `/v2/leader` and `X-Marathon-Leader` give it. */
  get leader(): string {
    return this.address;
  }

  get port(): number {
    return Number(this.address.split(':').pop());
  }

  async close(): Promise<void> {
    this.hub.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stops listening (connections refused) but keeps the state; `listen` again on the same port. */
  async stop(): Promise<void> {
    await this.close();
  }

  // -------------------------------------------------------------------------------------
  // Data

  /** Loads a `/v2/apps?embed=apps.tasks` body (or its `apps` list) as it is, replacing everything. */
  loadApps(body: { apps: Json[] } | Json[]): void {
    this.state.loadApps(body);
  }

  /** Loads a fixture file (a `/v2/apps?embed=apps.tasks` body). */
  loadFile(path: string): void {
    this.loadApps(JSON.parse(readFileSync(path, 'utf8')) as { apps: Json[] });
  }

  appIds(): string[] {
    return [...this.state.apps.keys()];
  }

  /** The app as `/v2/apps/<id>` would show it (a copy). */
  app(id: string): Json | undefined {
    const app = this.state.apps.get(id);
    return app ? (JSON.parse(appJson(app, true, this.options.restNumbers)) as Json) : undefined;
  }

  tasks(appId?: string): TaskJson[] {
    return this.state.tasks(appId);
  }

  task(taskId: string): TaskJson | undefined {
    return this.state.task(taskId);
  }

  /** Count of REST requests whose path starts with `prefix`. */
  requestCount(prefix = '/'): number {
    return this.requests.filter((r) => r.path.startsWith(prefix)).length;
  }

  // -------------------------------------------------------------------------------------
  // Serialization (used by the server)

  /** The body of `GET /v2/apps`. */
  appsBody(options: { tasks: boolean; idFilter?: string }): string {
    return this.faults.emptyApps ? '{"apps":[]}' : appsBody(this.state, this.options.restNumbers, options);
  }

  appBody(id: string): string | undefined {
    return appBody(this.state, this.options.restNumbers, id);
  }

  tasksBody(appId?: string): string {
    return tasksBody(this.state, this.options.restNumbers, appId);
  }

  commonHeaders(): Record<string, string> {
    return {
      'X-Marathon-Leader': this.url,
      'X-Frame-Options': 'DENY',
      'X-XSS-Protection': '1; mode=block',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      Expires: '0',
    };
  }

  infoBody(): string {
    return restJson({
      name: 'marathon',
      version: this.options.version,
      buildref: 'mmsd-sim',
      elected: true,
      leader: this.leader,
      frameworkId: '6f2a0c9e-3b1d-4e57-9a6c-8d2f1e0b7a43-0000',
      marathon_config: { hostname: '127.0.0.1', ha: true, framework_name: 'marathon', local_port_min: 10000, local_port_max: 20000 },
      zookeeper_config: { zk: 'zk://localhost:2181/marathon', zk_timeout: 10000 },
      http_config: { http_port: this.port, https_port: 8443 },
    });
  }

  // -------------------------------------------------------------------------------------
  // Events

  /** Publishes an event to every stream (adds eventType/timestamp if missing). */
  emit(event: SimEvent): void {
    this.hub.publish({ ...event, timestamp: event.timestamp ?? timestamp() });
  }

  /** Drops every event stream connection (clients must reconnect and resync). */
  dropStreams(): void {
    this.hub.dropAll();
  }

  setFaults(faults: Faults): void {
    for (const key of Object.keys(this.faults) as (keyof Faults)[]) delete this.faults[key];
    Object.assign(this.faults, faults);
    this.hub.setSilent(Boolean(faults.silentStream));
    if (faults.down) this.hub.dropAll();
  }

  clearFaults(): void {
    this.setFaults({});
  }

  // -------------------------------------------------------------------------------------
  // Actions (scenario.ts): each changes the state step by step and emits what Marathon emits.

  /** `POST /v2/apps`: creates an app and launches its instances. */
  createApp(input: Json, placements: Placement[] = []): Promise<string> {
    return this.scenario.createApp(input, placements);
  }

  /** `PUT /v2/apps/<id>`: a scale when only `instances` changes, else a restart with the new definition. */
  updateApp(id: string, patch: Json, placements: Placement[] = []): Promise<string> {
    return this.scenario.updateApp(id, patch, placements);
  }

  /** Scales an app; new tasks go to `placements` in order (else the next agent, free ports). */
  scaleApp(id: string, instances: number, placements: Placement[] = []): Promise<string> {
    return this.scenario.scaleApp(id, instances, placements);
  }

  /** `DELETE /v2/apps/<id>`. */
  deleteApp(id: string): Promise<string> {
    return this.scenario.deleteApp(id);
  }

  /** Marathon launches one more task of the app (no deployment), e.g. to replace a lost one. */
  launchTask(appId: string, placement: Placement = {}, timing?: LaunchTiming): Promise<string> {
    return this.scenario.launchTask(appId, placement, timing);
  }

  /**
   * `DELETE /v2/apps/<app>/tasks/<task>`: kills a task. With `scale` the app shrinks by one,
   * else Marathon launches a replacement (on `replacement`, if given).
   */
  killTask(taskId: string, options: { scale?: boolean; replacement?: Placement } = {}): Promise<void> {
    return this.scenario.killTask(taskId, options);
  }

  /** A task's health check result flips (Marathon checks: failed_health_check_event + health_status_changed_event). */
  setHealth(taskId: string, alive: boolean, cause = '503 Service Unavailable'): Promise<void> {
    return this.scenario.setHealth(taskId, alive, cause);
  }

  /** Sets a task's state (e.g. TASK_UNREACHABLE) and emits its status update. */
  setTaskState(taskId: string, state: string): Promise<void> {
    return this.scenario.setTaskState(taskId, state);
  }
}
