import type {
  MarathonApp,
  MarathonHealthCheck,
  MarathonLabels,
  MarathonPortMapping,
  MarathonTask,
} from '../marathon/types.js';
import { makeApp, makeTask, sameTask } from './app.js';
import type { AppDefinition } from './app.js';
import type { App, AppHealthCheck, Labels, NetworkMode, PortSpec, Task, Transport } from './types.js';

// The one reader of Marathon's app and task JSON (≤1.4 and ≥1.5): every field is checked here.

export class InvalidAppError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppError';
  }
}

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
function networkModeOf(app: MarathonApp): NetworkMode {
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
