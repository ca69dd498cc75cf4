import type { ClusterState, SimApp } from './cluster-state.js';
import { restJson } from './json.js';

type Json = Record<string, unknown>;
type RestNumbers = 'jackson' | 'play';

// The REST bodies of the simulated Marathon, from its state (server.ts serves them).

/** The body of `GET /v2/apps`. */
export function appsBody(state: ClusterState, numbers: RestNumbers, options: { tasks: boolean; idFilter?: string }): string {
  const filter = options.idFilter?.toLowerCase();
  const parts: string[] = [];
  for (const app of state.apps.values()) {
    if (filter && !app.def.id.toLowerCase().includes(filter)) continue;
    parts.push(appJson(app, options.tasks, numbers));
  }
  return `{"apps":[${parts.join(',')}]}`;
}

export function appBody(state: ClusterState, numbers: RestNumbers, id: string): string | undefined {
  const app = state.apps.get(id);
  return app ? `{"app":${appJson(app, true, numbers)}}` : undefined;
}

export function tasksBody(state: ClusterState, numbers: RestNumbers, appId?: string): string {
  const tasks: Json[] = [];
  for (const app of appId ? [state.apps.get(appId)].filter((a): a is SimApp => a !== undefined) : state.apps.values()) {
    const servicePorts = state.servicePortsOf(app.def);
    for (const task of app.tasks.values()) tasks.push(appId ? task : { ...task, servicePorts });
  }
  return restJson({ tasks }, numbers);
}

/** An app's REST JSON (cached on the app until it changes). */
export function appJson(app: SimApp, withTasks: boolean, numbers: RestNumbers): string {
  const cached = withTasks ? app.json : app.jsonNoTasks;
  if (cached) return cached;
  const taskCounts = counts(app);
  const value: Json = { ...app.def, ...taskCounts, deployments: app.deployments };
  if (withTasks) value.tasks = [...app.tasks.values()];
  const json = restJson(value, numbers);
  if (withTasks) app.json = json;
  else app.jsonNoTasks = json;
  return json;
}

/** Marathon's task counts (docs/marathon-api.md#apps). */
function counts(app: SimApp): Json {
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
