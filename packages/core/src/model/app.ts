import { arraysEqual } from '../util/equal.js';
import { taskHealth } from './health.js';
import { serviceName } from './ids.js';
import { taskProblem } from './validate.js';
import type { App, AppHealthCheck, Labels, NetworkMode, PortSpec, Task } from './types.js';

// The model's App and Task: how they are built (frozen, reusing what is equal) and compared.

const definitionKeys = new WeakMap<App, string>();

export interface TaskInput {
  id: string;
  appId: string;
  host: string;
  ipAddresses: readonly string[];
  ports: readonly number[];
  state: string;
  startedAt?: string;
  version?: string;
  healthResults: readonly boolean[];
}

/** Frozen as it is when already frozen (shared with an earlier task), else frozen in place. */
function owned<T>(values: readonly T[]): readonly T[] {
  return Object.isFrozen(values) ? values : Object.freeze(values as T[]);
}

/** A frozen Task. The arrays of `input` become the task's own (fresh arrays are frozen in place). */
export function makeTask(input: TaskInput, healthCheckCount: number): Task {
  const task: { -readonly [K in keyof Task]: Task[K] } = {
    id: input.id,
    appId: input.appId,
    host: input.host,
    ipAddresses: owned(input.ipAddresses),
    ports: owned(input.ports),
    state: input.state,
    healthResults: owned(input.healthResults),
    health: taskHealth(input.state, Boolean(input.startedAt), healthCheckCount, input.healthResults),
  };
  if (input.startedAt) task.startedAt = input.startedAt;
  if (input.version) task.version = input.version;
  const problem = taskProblem(input);
  if (problem) task.problem = problem;
  return Object.freeze(task);
}

/** Equal for routing purposes (the exact startedAt time does not matter, only that it is set). */
export function sameTask(a: Task, b: Task): boolean {
  return (
    a === b ||
    (a.id === b.id &&
      a.host === b.host &&
      a.state === b.state &&
      a.health === b.health &&
      Boolean(a.startedAt) === Boolean(b.startedAt) &&
      a.version === b.version &&
      arraysEqual(a.ports, b.ports) &&
      arraysEqual(a.ipAddresses, b.ipAddresses) &&
      arraysEqual(a.healthResults, b.healthResults))
  );
}

export interface AppDefinition {
  id: string;
  version: string;
  instances: number;
  labels: Labels;
  network: NetworkMode;
  ports: readonly PortSpec[];
  healthChecks: readonly AppHealthCheck[];
}

/** Builds the frozen App from its definition and tasks, reusing `previous` parts that are equal. */
export function makeApp(definition: AppDefinition, tasks: ReadonlyMap<string, Task>, previous?: App): App {
  const key = JSON.stringify([
    definition.version,
    definition.instances,
    definition.labels,
    definition.network,
    definition.ports,
    definition.healthChecks,
  ]);
  if (previous && definitionKeys.get(previous) === key) return withTasks(previous, tasks);
  const app: App = Object.freeze({
    id: definition.id,
    version: definition.version,
    instances: definition.instances,
    labels: definition.labels,
    network: definition.network,
    ports: Object.freeze(definition.ports.map((p) => Object.freeze(p))),
    healthChecks: Object.freeze([...definition.healthChecks]),
    tasks,
    services: Object.freeze(definition.ports.map((p) => serviceName(definition.id, p.index))),
  });
  definitionKeys.set(app, key);
  return app;
}

/** The app with other tasks, its definition as it is (a task event's cost: no definition compared). */
export function withTasks(app: App, tasks: ReadonlyMap<string, Task>): App {
  const key = definitionKeys.get(app);
  if (key === undefined) return makeApp(definitionOf(app), tasks, app);
  if (tasksEqual(app.tasks, tasks)) return app;
  return withChangedTasks(app, tasks);
}

/** The app with tasks known to differ from its own (a task event's outcome): nothing compared. */
export function withChangedTasks(app: App, tasks: ReadonlyMap<string, Task>): App {
  const key = definitionKeys.get(app);
  if (key === undefined) return makeApp(definitionOf(app), tasks, app);
  const next = Object.freeze({ ...app, tasks });
  definitionKeys.set(next, key);
  return next;
}

/** The app's definition is the same (tasks aside). */
export function sameDefinition(a: App, b: App): boolean {
  return a === b || (definitionKeys.get(a) !== undefined && definitionKeys.get(a) === definitionKeys.get(b));
}

function tasksEqual(a: ReadonlyMap<string, Task>, b: ReadonlyMap<string, Task>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [id, task] of a) {
    const other = b.get(id);
    if (!other || !sameTask(task, other)) return false;
  }
  return true;
}

export function definitionOf(app: App): AppDefinition {
  return {
    id: app.id,
    version: app.version,
    instances: app.instances,
    labels: app.labels,
    network: app.network,
    ports: app.ports,
    healthChecks: app.healthChecks,
  };
}
