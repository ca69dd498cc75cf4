import { isIP } from 'node:net';
import type { AppJson, TaskJson } from './app-definition.js';
import { EMBEDDED_FIELDS, orderTask } from './app-definition.js';

type Json = Record<string, unknown>;

export interface SimApp {
  def: AppJson;
  tasks: Map<string, TaskJson>;
  deployments: { id: string }[];
  /** Cached REST JSON with and without tasks. */
  json?: string;
  jsonNoTasks?: string;
}

/** The IP of an agent: an IP literal is its own, a name gets a stable one in 10.0.0.0/16. */
export function agentIp(host: string): string {
  if (isIP(host)) return host;
  let hash = 0;
  for (const c of host) hash = (hash * 31 + c.charCodeAt(0)) & 0xffff;
  return `10.0.${(hash >> 8) % 250}.${(hash % 250) + 1}`;
}

/**
 * What the simulated Marathon holds: its apps and their tasks (as Marathon's JSON), which app
 * each task belongs to, and the ports in use (service ports, host ports per agent).
 */
export class ClusterState {
  readonly apps = new Map<string, SimApp>();
  readonly taskApps = new Map<string, SimApp>();
  nextAgent = 0;
  private nextServicePort = 10_000;
  private readonly usedHostPorts = new Map<string, Set<number>>();

  /** Loads a `/v2/apps?embed=apps.tasks` body (or its `apps` list) as it is, replacing everything. */
  loadApps(body: { apps: Json[] } | Json[]): void {
    const apps = Array.isArray(body) ? body : body.apps;
    this.apps.clear();
    this.taskApps.clear();
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

  updateTask(app: SimApp, task: Json): TaskJson {
    const ordered = orderTask(task);
    app.tasks.set(ordered.id, ordered);
    this.touch(app);
    return ordered;
  }

  touch(app: SimApp): void {
    delete app.json;
    delete app.jsonNoTasks;
  }

  mustApp(id: string): SimApp {
    const app = this.apps.get(id);
    if (!app) throw Object.assign(new Error(`App '${id}' does not exist`), { status: 404 });
    return app;
  }

  /**
   * The app a task belongs to. Remembered per task (and checked, since tasks move on), so
   * that a health result of a task at 10,000 apps does not scan them all first: the scan made
   * the simulator, not the agent, the slowest step of a task start in the benchmarks.
   */
  appOfTask(taskId: string): SimApp {
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

  servicePortsOf(def: Json): number[] {
    const definitions = def.portDefinitions as Json[] | undefined;
    if (definitions) return definitions.map((d) => Number(d.port ?? 0));
    const mappings = ((def.container as Json | undefined)?.portMappings as Json[] | undefined) ?? [];
    return mappings.map((m) => Number(m.servicePort ?? 0));
  }

  reserveServicePorts(def: Json): void {
    for (const port of this.servicePortsOf(def)) if (port >= this.nextServicePort) this.nextServicePort = port + 1;
  }

  allocateServicePort(): number {
    const used = new Set([...this.apps.values()].flatMap((a) => this.servicePortsOf(a.def)));
    while (used.has(this.nextServicePort)) this.nextServicePort++;
    return this.nextServicePort++;
  }

  hostPortsFor(def: Json, host: string, mode: string): number[] {
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

  reservePorts(host: string, ports: number[]): void {
    const used = this.usedHostPorts.get(host) ?? new Set<number>();
    for (const port of ports) used.add(port);
    this.usedHostPorts.set(host, used);
  }

  releasePorts(host: string, ports: number[]): void {
    const used = this.usedHostPorts.get(host);
    for (const port of ports) used?.delete(port);
  }
}
