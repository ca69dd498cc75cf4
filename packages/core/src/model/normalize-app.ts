import type {
  MarathonApp,
  MarathonHealthCheck,
  MarathonLabels,
  MarathonPortMapping,
  MarathonTask,
} from '../marathon/types.js';
import { arraysEqual } from '../util/equal.js';
import { taskHealth } from './health.js';
import { serviceName } from './ids.js';
import { taskProblem } from './validate.js';
import type { App, AppHealthCheck, Labels, NetworkMode, PortSpec, Task, Transport } from './types.js';

export class InvalidAppError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppError';
  }
}

const definitionKeys = new WeakMap<App, string>();
const EMPTY_LABELS: Labels = Object.freeze({});

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535;
}

function labelsOf(raw: MarathonLabels | null | undefined): Labels {
  if (!raw || typeof raw !== 'object') return EMPTY_LABELS;
  const entries = Object.entries(raw).filter(([, v]) => v !== null && v !== undefined);
  if (entries.length === 0) return EMPTY_LABELS;
  return Object.freeze(Object.fromEntries(entries.map(([k, v]) => [k, String(v)])));
}

function transportOf(protocol: unknown): Transport {
  return typeof protocol === 'string' && protocol.trim().toLowerCase() === 'udp' ? 'udp' : 'tcp';
}

/** Host, Docker bridge, or a container network (IP per task), for both ≤1.4 and ≥1.5 shapes. */
export function networkModeOf(app: MarathonApp): NetworkMode {
  const mode = Array.isArray(app.networks) ? app.networks[0]?.mode : undefined;
  if (mode === 'host') return 'host';
  if (mode === 'container/bridge') return 'bridge';
  if (mode === 'container') return 'container';
  if (app.ipAddress) return 'container';
  const dockerNetwork = app.container?.docker?.network;
  if (dockerNetwork === 'BRIDGE') return 'bridge';
  if (dockerNetwork === 'USER') return 'container';
  return 'host';
}

function mappingsOf(app: MarathonApp): MarathonPortMapping[] | undefined {
  const container = app.container;
  if (Array.isArray(container?.portMappings)) return container.portMappings;
  if (Array.isArray(container?.docker?.portMappings)) return container.docker.portMappings;
  const discovery = app.ipAddress?.discovery?.ports;
  if (Array.isArray(discovery)) {
    // ≤1.4 Mesos containers on a named network: no service ports, no host ports.
    return discovery.map((p) => ({ containerPort: p.number, protocol: p.protocol, name: p.name, labels: p.labels }));
  }
  return undefined;
}

function portsOf(app: MarathonApp, network: NetworkMode): PortSpec[] {
  if (network === 'host') {
    if (Array.isArray(app.portDefinitions)) {
      return app.portDefinitions.map((definition, index) => ({
        index,
        servicePort: isPort(definition?.port) ? definition.port : 0,
        transport: transportOf(definition?.protocol),
        ...(typeof definition?.name === 'string' ? { name: definition.name } : {}),
        hostPortIndex: index,
        labels: labelsOf(definition?.labels),
      }));
    }
    if (Array.isArray(app.ports)) {
      return app.ports.map((port, index) => ({
        index,
        servicePort: isPort(port) ? port : 0,
        transport: 'tcp' as const,
        hostPortIndex: index,
        labels: EMPTY_LABELS,
      }));
    }
    return [];
  }
  const mappings = mappingsOf(app) ?? [];
  let hostPorts = 0;
  return mappings.map((mapping, index) => {
    // Marathon defaults a bridge mapping's host port to 0 (dynamic); on container networks
    // only mappings that declare one get a host port (docs/marathon-api.md#where-a-service-ports-backends-are).
    const hasHostPort = network === 'bridge' || isPort(mapping?.hostPort);
    const spec: PortSpec = {
      index,
      servicePort: isPort(mapping?.servicePort) ? mapping.servicePort : 0,
      transport: transportOf(mapping?.protocol),
      ...(typeof mapping?.name === 'string' ? { name: mapping.name } : {}),
      ...(isPort(mapping?.containerPort) ? { containerPort: mapping.containerPort } : {}),
      ...(hasHostPort ? { hostPortIndex: hostPorts } : {}),
      labels: labelsOf(mapping?.labels),
    };
    if (hasHostPort) hostPorts++;
    return spec;
  });
}

const PORTLESS_CHECKS = new Set(['COMMAND', 'MESOS_COMMAND']);

function healthChecksOf(app: MarathonApp): AppHealthCheck[] {
  if (!Array.isArray(app.healthChecks)) return [];
  return app.healthChecks
    .filter((hc): hc is MarathonHealthCheck => hc !== null && typeof hc === 'object')
    .map((hc) => {
      const marathonProtocol = typeof hc.protocol === 'string' ? hc.protocol.toUpperCase() : 'HTTP';
      // Marathon checks port index 0 when a port check names neither portIndex nor port.
      const portIndex =
        typeof hc.portIndex === 'number'
          ? hc.portIndex
          : PORTLESS_CHECKS.has(marathonProtocol) || typeof hc.port === 'number'
            ? undefined
            : 0;
      return Object.freeze({
        marathonProtocol,
        ...(portIndex === undefined ? {} : { portIndex }),
        ...(typeof hc.port === 'number' && portIndex === undefined ? { port: hc.port } : {}),
        ...(typeof hc.path === 'string' && hc.path.length > 0 ? { path: hc.path } : {}),
        intervalSeconds: typeof hc.intervalSeconds === 'number' ? hc.intervalSeconds : 60,
        timeoutSeconds: typeof hc.timeoutSeconds === 'number' ? hc.timeoutSeconds : 20,
      });
    });
}

function resultsOf(task: MarathonTask): boolean[] {
  if (!Array.isArray(task.healthCheckResults)) return [];
  return task.healthCheckResults
    .filter((r) => r !== null && typeof r === 'object' && typeof r.alive === 'boolean')
    .map((r) => r!.alive as boolean);
}

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

/**
 * Task ports as Marathon sent them, position kept (a port index refers to a position):
 * anything that is not a number becomes 0, which `taskProblem` then reports.
 */
export function portList(raw: unknown): number[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((p) => (typeof p === 'number' && Number.isFinite(p) ? p : 0));
}

/** The IP-per-task addresses of `[{ipAddress, protocol}]`, strings only. */
export function ipList(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((ip) => (ip as { ipAddress?: unknown } | null)?.ipAddress).filter((ip): ip is string => typeof ip === 'string');
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

function normalizeTask(raw: MarathonTask, appId: string, healthCheckCount: number, previous: Task | undefined): Task {
  let healthResults = resultsOf(raw);
  // Marathon forgets health results on a leader change (marathon#3419): a task we knew that
  // comes back without any result keeps its last known health until a new result arrives.
  if (healthResults.length === 0 && previous && previous.healthResults.length > 0 && healthCheckCount > 0) {
    healthResults = previous.healthResults as boolean[];
  }
  const task = makeTask(
    {
      id: raw.id,
      appId,
      host: typeof raw.host === 'string' ? raw.host : '',
      ipAddresses: ipList(raw.ipAddresses),
      ports: portList(raw.ports),
      // Marathon ≤0.14 wrote no state: such tasks are listed because they run.
      state: typeof raw.state === 'string' ? raw.state : 'TASK_RUNNING',
      ...(typeof raw.startedAt === 'string' && raw.startedAt ? { startedAt: raw.startedAt } : {}),
      ...(typeof raw.version === 'string' ? { version: raw.version } : {}),
      healthResults,
    },
    healthCheckCount,
  );
  return previous && sameTask(previous, task) ? previous : task;
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
  if (previous && definitionKeys.get(previous) === key) {
    if (tasksEqual(previous.tasks, tasks)) return previous;
    const app = Object.freeze({ ...previous, tasks });
    definitionKeys.set(app, key);
    return app;
  }
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

/** The app's definition is the same (tasks aside). */
export function sameDefinition(a: App, b: App): boolean {
  return a === b || (definitionKeys.get(a) !== undefined && definitionKeys.get(a) === definitionKeys.get(b));
}

export function tasksEqual(a: ReadonlyMap<string, Task>, b: ReadonlyMap<string, Task>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [id, task] of a) {
    const other = b.get(id);
    if (!other || !sameTask(task, other)) return false;
  }
  return true;
}

/**
 * Marathon app JSON (≤1.4 or ≥1.5, with or without embedded tasks) → the model's App.
 * `previous` is the app as known before: unchanged tasks and definitions keep their identity,
 * and tasks keep their last known health when Marathon lost their results.
 */
export function normalizeApp(raw: MarathonApp, previous?: App): App {
  if (!raw || typeof raw !== 'object' || typeof raw.id !== 'string' || raw.id.length === 0) {
    throw new InvalidAppError(`an app without a valid id: ${JSON.stringify(raw?.id ?? null)}`);
  }
  const id = raw.id;
  const network = networkModeOf(raw);
  const healthChecks = healthChecksOf(raw);
  const definition: AppDefinition = {
    id,
    version: typeof raw.version === 'string' ? raw.version : '',
    instances: typeof raw.instances === 'number' ? raw.instances : 0,
    labels: labelsOf(raw.labels),
    network,
    ports: portsOf(raw, network),
    healthChecks,
  };
  const tasks = new Map<string, Task>();
  if (Array.isArray(raw.tasks)) {
    for (const rawTask of raw.tasks) {
      if (!rawTask || typeof rawTask.id !== 'string') continue;
      tasks.set(rawTask.id, normalizeTask(rawTask, id, healthChecks.length, previous?.tasks.get(rawTask.id)));
    }
  }
  return makeApp(definition, tasks, previous);
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
