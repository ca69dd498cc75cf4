import type { AppJson, TaskJson } from './app-definition.js';
import { normalizeDefinition, orderTask } from './app-definition.js';
import { agentIp } from './cluster-state.js';
import type { ClusterState, SimApp } from './cluster-state.js';
import * as ev from './events.js';
import type { Plan, SimEvent } from './events.js';
import { instanceIdOfTask, newId, newInstanceId, taskIdOf, timestamp } from './ids.js';
import type { LaunchTiming, Placement } from './sim-api.js';

type Json = Record<string, unknown>;

const MARATHON_CHECKS = new Set(['HTTP', 'HTTPS', 'TCP']);

export interface ScenarioOptions {
  agents: readonly string[];
  autoHealthy: boolean;
  stepDelay: number;
  legacyHealthEvents: boolean;
}

/**
 * What Marathon does, step by step: deployments (create, update, scale, delete), task launches
 * and kills, health results and task states; each changes the cluster state and emits the
 * events Marathon emits at that step, in its order.
 */
export class Scenario {
  constructor(
    private readonly state: ClusterState,
    private readonly options: ScenarioOptions,
    private readonly emit: (event: SimEvent) => void,
  ) {}

  /** `POST /v2/apps`: creates an app and launches its instances. */
  async createApp(input: Json, placements: Placement[] = []): Promise<string> {
    const version = timestamp();
    const def = normalizeDefinition(input, { servicePort: () => this.state.allocateServicePort(), version });
    if (this.state.apps.has(def.id)) throw new Error(`An app with id [${def.id}] already exists.`);
    const app: SimApp = { def, tasks: new Map(), deployments: [] };
    this.state.apps.set(def.id, app);
    const plan = await this.beginDeployment(app, 'StartApplication', version, '/v2/apps');
    const count = Number(def.instances ?? 0);
    for (let i = 0; i < count; i++) await this.launch(app, placements[i]);
    await this.finishDeployment(app, plan);
    return plan.id;
  }

  /** `PUT /v2/apps/<id>`: a scale when only `instances` changes, else a restart with the new definition. */
  async updateApp(id: string, patch: Json, placements: Placement[] = []): Promise<string> {
    const app = this.state.mustApp(id);
    const keys = Object.keys(patch).filter((k) => k !== 'id');
    if (keys.length === 1 && keys[0] === 'instances') return this.scaleApp(id, Number(patch.instances), placements);
    const version = timestamp();
    const merged = { ...app.def, ...patch, id };
    const def = normalizeDefinition(merged, { servicePort: () => this.state.allocateServicePort(), version }, undefined);
    (def.versionInfo as Json).lastConfigChangeAt = version;
    const old = [...app.tasks.values()];
    app.def = def;
    const plan = await this.beginDeployment(app, 'RestartApplication', version, `/v2/apps${id}`);
    for (let i = 0; i < Number(def.instances ?? 0); i++) await this.launch(app, placements[i]);
    for (const task of old) await this.kill(app, task);
    await this.finishDeployment(app, plan);
    return plan.id;
  }

  /** Scales an app; new tasks go to `placements` in order (else the next agent, free ports). */
  async scaleApp(id: string, instances: number, placements: Placement[] = []): Promise<string> {
    const app = this.state.mustApp(id);
    const version = timestamp();
    app.def = { ...app.def, instances, version, versionInfo: { ...(app.def.versionInfo as Json), lastScalingAt: version } };
    const plan = await this.beginDeployment(app, 'ScaleApplication', version, `/v2/apps${id}`);
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
    const app = this.state.mustApp(id);
    const version = timestamp();
    const plan = this.plan([['StopApplication', id]], version);
    this.state.apps.delete(id);
    this.emit(ev.groupChangeSuccess(version));
    await this.step();
    this.emit(ev.deploymentInfo(plan));
    for (const task of [...app.tasks.values()]) {
      app.tasks.delete(task.id);
      this.state.taskApps.delete(task.id);
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
  async launchTask(appId: string, placement: Placement = {}, timing?: LaunchTiming): Promise<string> {
    const app = this.state.mustApp(appId);
    app.def = { ...app.def, instances: Number(app.def.instances ?? 0) + 1 };
    this.state.touch(app);
    return this.launch(app, placement, timing);
  }

  /**
   * `DELETE /v2/apps/<app>/tasks/<task>`: kills a task. With `scale` the app shrinks by one,
   * else Marathon launches a replacement (on `replacement`, if given).
   */
  async killTask(taskId: string, options: { scale?: boolean; replacement?: Placement } = {}): Promise<void> {
    const app = this.state.appOfTask(taskId);
    const task = app.tasks.get(taskId)!;
    if (options.scale) {
      app.def = { ...app.def, instances: Math.max(0, Number(app.def.instances ?? 1) - 1), version: timestamp() };
    }
    await this.kill(app, task);
    if (!options.scale) await this.launch(app, options.replacement);
  }

  /** A task's health check result flips (Marathon checks: failed_health_check_event + health_status_changed_event). */
  async setHealth(taskId: string, alive: boolean, cause = '503 Service Unavailable'): Promise<void> {
    const app = this.state.appOfTask(taskId);
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
    this.state.updateTask(app, { ...task, healthCheckResults: next });
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
    const app = this.state.appOfTask(taskId);
    const task = app.tasks.get(taskId)!;
    const updated = { ...task, state };
    this.state.updateTask(app, updated);
    this.emit(ev.statusUpdate(updated, state));
  }


  /**
   * The first steps of a deployment of one app, as Marathon takes them: the plan recorded on
   * the app, the API call's event with the definition, the group change, the deployment's info.
   */
  private async beginDeployment(app: SimApp, action: string, version: string, uri: string): Promise<Plan> {
    const plan = this.plan([[action, app.def.id]], version);
    app.deployments = [{ id: plan.id }];
    this.state.touch(app);
    this.emit(ev.apiPost(uri, this.eventDefinition(app.def)));
    await this.step();
    this.emit(ev.groupChangeSuccess(version));
    await this.step();
    this.emit(ev.deploymentInfo(plan));
    return plan;
  }

  private async launch(app: SimApp, placement: Placement = {}, timing?: LaunchTiming): Promise<string> {
    const def = app.def;
    const instanceId = newInstanceId(def.id);
    const id = taskIdOf(instanceId);
    if (timing) timing.taskId = id;
    if (timing?.delayMs) await new Promise((resolve) => setTimeout(resolve, timing.delayMs));
    const host = placement.host ?? this.options.agents[this.state.nextAgent++ % this.options.agents.length]!;
    const mode = ((def.networks as Json[] | undefined)?.[0]?.mode as string | undefined) ?? 'host';
    const ports = placement.ports ?? this.state.hostPortsFor(def, host, mode);
    this.state.reservePorts(host, ports);
    const ip = placement.ipAddress ?? (mode === 'container/bridge' ? `172.17.0.${(this.state.nextAgent % 250) + 2}` : mode === 'container' ? `9.0.${this.state.nextAgent % 250}.${(app.tasks.size % 250) + 2}` : agentIp(host));
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
    this.state.taskApps.set(id, app);
    this.state.touch(app);
    this.emit(ev.instanceChanged(task, instanceId, 'Provisioned'));
    await this.step();
    task = this.state.updateTask(app, { ...task, state: 'TASK_STARTING', ipAddresses: [{ ipAddress: ip, protocol: 'IPv4' }] });
    this.emit(ev.statusUpdate(task, 'TASK_STARTING'));
    this.emit(ev.instanceChanged(task, instanceId, 'Starting'));
    await this.step();
    task = this.state.updateTask(app, { ...task, state: 'TASK_RUNNING', startedAt: timestamp() });
    // Taken just before the write: a reader woken by it cannot delay the time.
    if (timing) timing.runningAt = performance.timeOrigin + performance.now();
    this.emit(ev.statusUpdate(task, 'TASK_RUNNING'));
    this.emit(ev.instanceChanged(task, instanceId, 'Running'));
    const checks = (def.healthChecks as Json[] | undefined) ?? [];
    const healthy = placement.healthy ?? this.options.autoHealthy;
    if (checks.length > 0 && healthy !== undefined) {
      await this.step();
      if (timing) timing.healthAt = performance.timeOrigin + performance.now();
      await this.setHealth(id, healthy);
    }
    return id;
  }

  private async kill(app: SimApp, task: TaskJson): Promise<void> {
    const instanceId = instanceIdOfTask(task.id);
    const killing = this.state.updateTask(app, { ...task, state: 'TASK_KILLING' });
    this.emit(ev.statusUpdate(killing, 'TASK_KILLING'));
    this.emit(ev.instanceChanged(killing, instanceId, 'Killing'));
    await this.step();
    app.tasks.delete(task.id);
    this.state.taskApps.delete(task.id);
    this.state.touch(app);
    this.state.releasePorts(String(task.host), (task.ports as number[]) ?? []);
    this.emit(ev.statusUpdate(killing, 'TASK_KILLED', 'Command terminated with signal Terminated'));
    this.emit(ev.instanceChanged(killing, instanceId, 'Killed'));
  }

  private async finishDeployment(app: SimApp, plan: Plan): Promise<void> {
    await this.step();
    app.deployments = [];
    this.state.touch(app);
    this.emit(ev.deploymentStepSuccess(plan));
    this.emit(ev.deploymentSuccess(plan));
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
}
