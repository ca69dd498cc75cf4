import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { AppJson, TaskJson } from './app-definition.js';
import { EMBEDDED_FIELDS, normalizeDefinition, orderTask } from './app-definition.js';
import { EventHub } from './event-hub.js';
import * as ev from './events.js';
import type { Plan, SimEvent } from './events.js';
import { instanceIdOfTask, newId, newInstanceId, taskIdOf, timestamp } from './ids.js';
import { restJson } from './json.js';
import { createSimulatorServer } from './server.js';
import type { Faults, Placement, RequestRecord, SimulatorHost, SimulatorOptions } from './sim-api.js';

export type { Faults, Placement, RequestRecord, SimulatorOptions } from './sim-api.js';

type Json = Record<string, unknown>;

interface SimApp {
  def: AppJson;
  tasks: Map<string, TaskJson>;
  deployments: { id: string }[];
  /** Cached REST JSON with and without tasks. */
  json?: string;
  jsonNoTasks?: string;
}

const MARATHON_CHECKS = new Set(['HTTP', 'HTTPS', 'TCP']);

function agentIp(host: string): string {
  if (isIP(host)) return host;
  let hash = 0;
  for (const c of host) hash = (hash * 31 + c.charCodeAt(0)) & 0xffff;
  return `10.0.${(hash >> 8) % 250}.${(hash % 250) + 1}`;
}

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
  private readonly apps = new Map<string, SimApp>();
  private readonly taskApps = new Map<string, SimApp>();
  private server: Server | undefined;
  private address = '';
  private nextServicePort = 10_000;
  private readonly usedHostPorts = new Map<string, Set<number>>();
  private nextAgent = 0;

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
    const apps = Array.isArray(body) ? body : body.apps;
    this.apps.clear();
    for (const raw of apps) {
      const def: Json = {};
      for (const [key, value] of Object.entries(raw)) if (!EMBEDDED_FIELDS.has(key)) def[key] = value;
      const tasks = new Map<string, TaskJson>();
      for (const task of (raw.tasks as TaskJson[] | undefined) ?? []) tasks.set(task.id, task);
      this.apps.set(String(raw.id), { def: def as AppJson, tasks, deployments: (raw.deployments as { id: string }[]) ?? [] });
      for (const task of tasks.values()) this.reservePorts(String(task.host), (task.ports as number[]) ?? []);
      this.reserveServicePorts(def);
    }
  }

  /** Loads a fixture file (a `/v2/apps?embed=apps.tasks` body). */
  loadFile(path: string): void {
    this.loadApps(JSON.parse(readFileSync(path, 'utf8')) as { apps: Json[] });
  }

  appIds(): string[] {
    return [...this.apps.keys()];
  }

  /** The app as `/v2/apps/<id>` would show it (a copy). */
  app(id: string): Json | undefined {
    const app = this.apps.get(id);
    return app ? (JSON.parse(this.appJson(app, true)) as Json) : undefined;
  }

  tasks(appId?: string): TaskJson[] {
    const apps = appId ? [this.apps.get(appId)].filter((a): a is SimApp => a !== undefined) : [...this.apps.values()];
    return apps.flatMap((a) => [...a.tasks.values()]);
  }

  task(taskId: string): TaskJson | undefined {
    for (const app of this.apps.values()) {
      const task = app.tasks.get(taskId);
      if (task) return task;
    }
    return undefined;
  }

  /** Count of REST requests whose path starts with `prefix`. */
  requestCount(prefix = '/'): number {
    return this.requests.filter((r) => r.path.startsWith(prefix)).length;
  }

  // -------------------------------------------------------------------------------------
  // Serialization (used by the server)

  /** The body of `GET /v2/apps`. */
  appsBody(options: { tasks: boolean; idFilter?: string }): string {
    if (this.faults.emptyApps) return '{"apps":[]}';
    const filter = options.idFilter?.toLowerCase();
    const parts: string[] = [];
    for (const app of this.apps.values()) {
      if (filter && !app.def.id.toLowerCase().includes(filter)) continue;
      parts.push(this.appJson(app, options.tasks));
    }
    return `{"apps":[${parts.join(',')}]}`;
  }

  appBody(id: string): string | undefined {
    const app = this.apps.get(id);
    return app ? `{"app":${this.appJson(app, true)}}` : undefined;
  }

  tasksBody(appId?: string): string {
    const tasks: Json[] = [];
    for (const app of appId ? [this.apps.get(appId)].filter((a): a is SimApp => a !== undefined) : this.apps.values()) {
      const servicePorts = this.servicePortsOf(app.def);
      for (const task of app.tasks.values()) tasks.push(appId ? task : { ...task, servicePorts });
    }
    return restJson({ tasks }, this.options.restNumbers);
  }

  private appJson(app: SimApp, withTasks: boolean): string {
    const cached = withTasks ? app.json : app.jsonNoTasks;
    if (cached) return cached;
    const counts = this.counts(app);
    const value: Json = { ...app.def, ...counts, deployments: app.deployments };
    if (withTasks) value.tasks = [...app.tasks.values()];
    const json = restJson(value, this.options.restNumbers);
    if (withTasks) app.json = json;
    else app.jsonNoTasks = json;
    return json;
  }

  /** Marathon's task counts (docs/marathon-api.md#apps). */
  private counts(app: SimApp): Json {
    let staged = 0;
    let running = 0;
    let healthy = 0;
    let unhealthy = 0;
    for (const task of app.tasks.values()) {
      if (task.state === 'TASK_STAGING') staged++;
      if (task.state === 'TASK_RUNNING') running++;
      const results = ((task.healthCheckResults as (Json | null)[] | undefined) ?? []).filter((r): r is Json => r !== null);
      if (results.length > 0 && results.every((r) => r.alive === true)) healthy++;
      if (results.some((r) => r.alive !== true)) unhealthy++;
    }
    return { tasksStaged: staged, tasksRunning: running, tasksHealthy: healthy, tasksUnhealthy: unhealthy };
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
  // Actions: each changes the state step by step and emits what Marathon emits at each step.

  /** `POST /v2/apps`: creates an app and launches its instances. */
  async createApp(input: Json, placements: Placement[] = []): Promise<string> {
    const version = timestamp();
    const def = normalizeDefinition(input, { servicePort: () => this.allocateServicePort(), version });
    if (this.apps.has(def.id)) throw new Error(`An app with id [${def.id}] already exists.`);
    const app: SimApp = { def, tasks: new Map(), deployments: [] };
    const plan = this.plan([['StartApplication', def.id]], version);
    app.deployments = [{ id: plan.id }];
    this.apps.set(def.id, app);
    this.emit(ev.apiPost('/v2/apps', this.eventDefinition(def)));
    await this.step();
    this.emit(ev.groupChangeSuccess(version));
    await this.step();
    this.emit(ev.deploymentInfo(plan));
    const count = Number(def.instances ?? 0);
    for (let i = 0; i < count; i++) await this.launch(app, placements[i]);
    await this.finishDeployment(app, plan);
    return plan.id;
  }

  /** `PUT /v2/apps/<id>`: a scale when only `instances` changes, else a restart with the new definition. */
  async updateApp(id: string, patch: Json, placements: Placement[] = []): Promise<string> {
    const app = this.mustApp(id);
    const keys = Object.keys(patch).filter((k) => k !== 'id');
    if (keys.length === 1 && keys[0] === 'instances') return this.scaleApp(id, Number(patch.instances), placements);
    const version = timestamp();
    const merged = { ...app.def, ...patch, id };
    const def = normalizeDefinition(merged, { servicePort: () => this.allocateServicePort(), version }, undefined);
    (def.versionInfo as Json).lastConfigChangeAt = version;
    const plan = this.plan([['RestartApplication', id]], version);
    const old = [...app.tasks.values()];
    app.def = def;
    app.deployments = [{ id: plan.id }];
    this.touch(app);
    this.emit(ev.apiPost(`/v2/apps${id}`, this.eventDefinition(def)));
    await this.step();
    this.emit(ev.groupChangeSuccess(version));
    await this.step();
    this.emit(ev.deploymentInfo(plan));
    for (let i = 0; i < Number(def.instances ?? 0); i++) await this.launch(app, placements[i]);
    for (const task of old) await this.kill(app, task);
    await this.finishDeployment(app, plan);
    return plan.id;
  }

  /** Scales an app; new tasks go to `placements` in order (else the next agent, free ports). */
  async scaleApp(id: string, instances: number, placements: Placement[] = []): Promise<string> {
    const app = this.mustApp(id);
    const version = timestamp();
    app.def = { ...app.def, instances, version, versionInfo: { ...(app.def.versionInfo as Json), lastScalingAt: version } };
    const plan = this.plan([['ScaleApplication', id]], version);
    app.deployments = [{ id: plan.id }];
    this.touch(app);
    this.emit(ev.apiPost(`/v2/apps${id}`, this.eventDefinition(app.def)));
    await this.step();
    this.emit(ev.groupChangeSuccess(version));
    await this.step();
    this.emit(ev.deploymentInfo(plan));
    const current = [...app.tasks.values()];
    for (let i = current.length; i < instances; i++) await this.launch(app, placements[i - current.length]);
    // YOUNGEST_FIRST: the most recently staged tasks go first.
    const surplus = current
      .sort((a, b) => String(b.stagedAt ?? '').localeCompare(String(a.stagedAt ?? '')))
      .slice(0, Math.max(0, current.length - instances));
    for (const task of surplus) await this.kill(app, task);
    await this.finishDeployment(app, plan);
    return plan.id;
  }

  /** `DELETE /v2/apps/<id>`. */
  async deleteApp(id: string): Promise<string> {
    const app = this.mustApp(id);
    const version = timestamp();
    const plan = this.plan([['StopApplication', id]], version);
    this.apps.delete(id);
    this.emit(ev.groupChangeSuccess(version));
    await this.step();
    this.emit(ev.deploymentInfo(plan));
    for (const task of [...app.tasks.values()]) {
      app.tasks.delete(task.id);
      this.taskApps.delete(task.id);
      await this.step();
      this.emit(ev.statusUpdate(task, 'TASK_KILLED', 'Command terminated with signal Terminated'));
      this.emit(ev.instanceChanged(task, instanceIdOfTask(task.id), 'Killed'));
    }
    await this.step();
    this.emit(ev.appTerminated(id));
    this.emit(ev.deploymentStepSuccess(plan));
    this.emit(ev.deploymentSuccess(plan));
    return plan.id;
  }

  /** Marathon launches one more task of the app (no deployment), e.g. to replace a lost one. */
  async launchTask(appId: string, placement: Placement = {}): Promise<string> {
    const app = this.mustApp(appId);
    app.def = { ...app.def, instances: Number(app.def.instances ?? 0) + 1 };
    this.touch(app);
    return this.launch(app, placement);
  }

  /**
   * `DELETE /v2/apps/<app>/tasks/<task>`: kills a task. With `scale` the app shrinks by one,
   * else Marathon launches a replacement (on `replacement`, if given).
   */
  async killTask(taskId: string, options: { scale?: boolean; replacement?: Placement } = {}): Promise<void> {
    const app = this.appOfTask(taskId);
    const task = app.tasks.get(taskId)!;
    if (options.scale) {
      app.def = { ...app.def, instances: Math.max(0, Number(app.def.instances ?? 1) - 1), version: timestamp() };
    }
    await this.kill(app, task);
    if (!options.scale) await this.launch(app, options.replacement);
  }

  /** A task's health check result flips (Marathon checks: failed_health_check_event + health_status_changed_event). */
  async setHealth(taskId: string, alive: boolean, cause = '503 Service Unavailable'): Promise<void> {
    const app = this.appOfTask(taskId);
    const task = app.tasks.get(taskId)!;
    const checks = (app.def.healthChecks as Json[] | undefined) ?? [];
    if (checks.length === 0) throw new Error(`${app.def.id} has no health checks`);
    const instanceId = instanceIdOfTask(taskId);
    const results = ((task.healthCheckResults as Json[] | undefined) ?? []).filter(Boolean);
    const wasAlive = results.length > 0 && results.every((r) => r.alive === true);
    if (wasAlive === alive && results.length > 0) return;
    const now = timestamp();
    const next = checks.map((_, i) => {
      const old = results[i] ?? {};
      return alive
        ? { alive: true, consecutiveFailures: 0, firstSuccess: old.firstSuccess ?? now, instanceId, lastSuccess: now, ...(old.lastFailure ? { lastFailure: old.lastFailure, lastFailureCause: old.lastFailureCause } : {}) }
        : {
            alive: false,
            consecutiveFailures: Number(old.consecutiveFailures ?? 0) + 1,
            ...(old.firstSuccess ? { firstSuccess: old.firstSuccess } : {}),
            instanceId,
            ...(old.lastSuccess ? { lastSuccess: old.lastSuccess } : {}),
            lastFailure: now,
            lastFailureCause: cause,
          };
    });
    this.updateTask(app, { ...task, healthCheckResults: next });
    const check = checks[0]!;
    // Mesos-side checks arrive as a status update first, then Marathon's health events.
    if (!MARATHON_CHECKS.has(String(check.protocol))) {
      this.emit(ev.statusUpdate(task, String(task.state)));
      this.emit(ev.instanceHealthChanged(app.def.id, instanceId, task.version, alive));
    }
    if (!alive) this.emit(ev.failedHealthCheck(app.def.id, instanceId, check));
    const legacy = this.options.legacyHealthEvents;
    this.emit(ev.healthStatusChanged(app.def.id, legacy ? taskId : instanceId, task.version, alive, legacy));
  }

  /** Sets a task's state (e.g. TASK_UNREACHABLE) and emits its status update. */
  async setTaskState(taskId: string, state: string): Promise<void> {
    const app = this.appOfTask(taskId);
    const task = app.tasks.get(taskId)!;
    const updated = { ...task, state };
    this.updateTask(app, updated);
    this.emit(ev.statusUpdate(updated, state));
  }

  // -------------------------------------------------------------------------------------
  // Internals

  private async launch(app: SimApp, placement: Placement = {}): Promise<string> {
    const def = app.def;
    const host = placement.host ?? this.options.agents[this.nextAgent++ % this.options.agents.length]!;
    const instanceId = newInstanceId(def.id);
    const id = taskIdOf(instanceId);
    const mode = ((def.networks as Json[] | undefined)?.[0]?.mode as string | undefined) ?? 'host';
    const ports = placement.ports ?? this.hostPortsFor(def, host, mode);
    this.reservePorts(host, ports);
    const ip = placement.ipAddress ?? (mode === 'container/bridge' ? `172.17.0.${(this.nextAgent % 250) + 2}` : mode === 'container' ? `9.0.${this.nextAgent % 250}.${(app.tasks.size % 250) + 2}` : agentIp(host));
    const staged = timestamp();
    let task: TaskJson = orderTask({
      appId: def.id,
      healthCheckResults: [],
      host,
      id,
      ipAddresses: [],
      ports,
      servicePorts: [],
      slaveId: `sim-agent-${host}`,
      state: 'TASK_STAGING',
      stagedAt: staged,
      version: def.version,
      localVolumes: [],
      role: '*',
    });
    app.tasks.set(id, task);
    this.taskApps.set(id, app);
    this.touch(app);
    this.emit(ev.instanceChanged(task, instanceId, 'Provisioned'));
    await this.step();
    task = this.updateTask(app, { ...task, state: 'TASK_STARTING', ipAddresses: [{ ipAddress: ip, protocol: 'IPv4' }] });
    this.emit(ev.statusUpdate(task, 'TASK_STARTING'));
    this.emit(ev.instanceChanged(task, instanceId, 'Starting'));
    await this.step();
    task = this.updateTask(app, { ...task, state: 'TASK_RUNNING', startedAt: timestamp() });
    this.emit(ev.statusUpdate(task, 'TASK_RUNNING'));
    this.emit(ev.instanceChanged(task, instanceId, 'Running'));
    const checks = (def.healthChecks as Json[] | undefined) ?? [];
    const healthy = placement.healthy ?? this.options.autoHealthy;
    if (checks.length > 0 && healthy !== undefined) {
      await this.step();
      await this.setHealth(id, healthy);
    }
    return id;
  }

  private async kill(app: SimApp, task: TaskJson): Promise<void> {
    const instanceId = instanceIdOfTask(task.id);
    const killing = this.updateTask(app, { ...task, state: 'TASK_KILLING' });
    this.emit(ev.statusUpdate(killing, 'TASK_KILLING'));
    this.emit(ev.instanceChanged(killing, instanceId, 'Killing'));
    await this.step();
    app.tasks.delete(task.id);
    this.taskApps.delete(task.id);
    this.touch(app);
    this.releasePorts(String(task.host), (task.ports as number[]) ?? []);
    this.emit(ev.statusUpdate(killing, 'TASK_KILLED', 'Command terminated with signal Terminated'));
    this.emit(ev.instanceChanged(killing, instanceId, 'Killed'));
  }

  private async finishDeployment(app: SimApp, plan: Plan): Promise<void> {
    await this.step();
    app.deployments = [];
    this.touch(app);
    this.emit(ev.deploymentStepSuccess(plan));
    this.emit(ev.deploymentSuccess(plan));
  }

  private updateTask(app: SimApp, task: Json): TaskJson {
    const ordered = orderTask(task);
    app.tasks.set(ordered.id, ordered);
    this.touch(app);
    return ordered;
  }

  private touch(app: SimApp): void {
    delete app.json;
    delete app.jsonNoTasks;
  }

  private plan(actions: [string, string][], version: string): Plan {
    return { id: newId(), steps: [{ actions: actions.map(([action, app]) => ({ action, app })) }], version };
  }

  /** The app definition as api_post_event carries it (Play-JSON numbers, no embedded fields). */
  private eventDefinition(def: AppJson): Json {
    return JSON.parse(JSON.stringify(def)) as Json;
  }

  private step(): Promise<void> {
    const delay = this.options.stepDelay;
    return new Promise((resolve) => (delay > 0 ? setTimeout(resolve, delay) : setImmediate(resolve)));
  }

  private mustApp(id: string): SimApp {
    const app = this.apps.get(id);
    if (!app) throw Object.assign(new Error(`App '${id}' does not exist`), { status: 404 });
    return app;
  }

  /**
   * The app a task belongs to. Remembered per task (and checked, since tasks move on), so
   * that a health result of a task at 10,000 apps does not scan them all first: the scan made
   * the simulator, not the agent, the slowest step of a task start in the benchmarks.
   */
  private appOfTask(taskId: string): SimApp {
    const known = this.taskApps.get(taskId);
    if (known?.tasks.has(taskId) && this.apps.get(String(known.def.id)) === known) return known;
    for (const app of this.apps.values()) {
      if (!app.tasks.has(taskId)) continue;
      this.taskApps.set(taskId, app);
      return app;
    }
    this.taskApps.delete(taskId);
    throw Object.assign(new Error(`Task '${taskId}' does not exist`), { status: 404 });
  }

  private servicePortsOf(def: Json): number[] {
    const definitions = def.portDefinitions as Json[] | undefined;
    if (definitions) return definitions.map((d) => Number(d.port ?? 0));
    const mappings = ((def.container as Json | undefined)?.portMappings as Json[] | undefined) ?? [];
    return mappings.map((m) => Number(m.servicePort ?? 0));
  }

  private reserveServicePorts(def: Json): void {
    for (const port of this.servicePortsOf(def)) if (port >= this.nextServicePort) this.nextServicePort = port + 1;
  }

  private allocateServicePort(): number {
    const used = new Set([...this.apps.values()].flatMap((a) => this.servicePortsOf(a.def)));
    while (used.has(this.nextServicePort)) this.nextServicePort++;
    return this.nextServicePort++;
  }

  private hostPortsFor(def: Json, host: string, mode: string): number[] {
    const count =
      mode === 'host'
        ? ((def.portDefinitions as Json[] | undefined)?.length ?? 0)
        : (((def.container as Json | undefined)?.portMappings as Json[] | undefined) ?? []).filter(
            (m) => mode === 'container/bridge' || m.hostPort !== undefined,
          ).length;
    const fixed = mode === 'host' && def.requirePorts ? ((def.portDefinitions as Json[]) ?? []).map((d) => Number(d.port)) : undefined;
    if (fixed) return fixed;
    const used = this.usedHostPorts.get(host) ?? new Set<number>();
    const ports: number[] = [];
    for (let port = 31000; ports.length < count && port < 32000; port++) if (!used.has(port)) ports.push(port);
    return ports;
  }

  private reservePorts(host: string, ports: number[]): void {
    const used = this.usedHostPorts.get(host) ?? new Set<number>();
    for (const port of ports) used.add(port);
    this.usedHostPorts.set(host, used);
  }

  private releasePorts(host: string, ports: number[]): void {
    const used = this.usedHostPorts.get(host);
    for (const port of ports) used?.delete(port);
  }
}
