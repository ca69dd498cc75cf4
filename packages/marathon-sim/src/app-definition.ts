/** A Marathon app definition as JSON (RAML field order of 1.10, without tasks or counts). */
export type AppJson = Record<string, unknown> & { id: string };
export type TaskJson = Record<string, unknown> & { id: string; appId: string; state: string };

type Json = Record<string, unknown>;

/** The RAML order of 1.10 app fields (docs/marathon-api.md#apps). */
const APP_ORDER = [
  'id',
  'acceptedResourceRoles',
  'args',
  'backoffFactor',
  'backoffSeconds',
  'cmd',
  'constraints',
  'container',
  'cpus',
  'dependencies',
  'disk',
  'env',
  'executor',
  'executorResources',
  'fetch',
  'healthChecks',
  'check',
  'instances',
  'labels',
  'maxLaunchDelaySeconds',
  'mem',
  'gpus',
  'networks',
  'portDefinitions',
  'readinessChecks',
  'residency',
  'resourceLimits',
  'requirePorts',
  'secrets',
  'taskKillGracePeriodSeconds',
  'upgradeStrategy',
  'user',
  'version',
  'versionInfo',
  'killSelection',
  'unreachableStrategy',
  'tty',
  'role',
];

const TASK_ORDER = [
  'appId',
  'healthCheckResults',
  'checkResult',
  'host',
  'id',
  'ipAddresses',
  'ports',
  'servicePorts',
  'slaveId',
  'state',
  'stagedAt',
  'startedAt',
  'version',
  'localVolumes',
  'region',
  'zone',
  'role',
];

function ordered(value: Json, order: readonly string[]): Json {
  const out: Json = {};
  for (const key of order) if (value[key] !== undefined) out[key] = value[key];
  for (const key of Object.keys(value)) if (!(key in out) && value[key] !== undefined) out[key] = value[key];
  return out;
}

export function orderTask(task: Json): TaskJson {
  return ordered(task, TASK_ORDER) as TaskJson;
}

function healthCheck(input: Json): Json {
  const protocol = String(input.protocol ?? 'HTTP').toUpperCase();
  const out: Json = {};
  if (input.command !== undefined) out.command = input.command;
  out.gracePeriodSeconds = input.gracePeriodSeconds ?? 300;
  if (protocol === 'HTTP' || protocol === 'HTTPS') out.ignoreHttp1xx = input.ignoreHttp1xx ?? false;
  out.intervalSeconds = input.intervalSeconds ?? 60;
  out.maxConsecutiveFailures = input.maxConsecutiveFailures ?? 3;
  if (input.path !== undefined) out.path = input.path;
  else if (protocol.includes('HTTP')) out.path = '/';
  if (input.port !== undefined) out.port = input.port;
  if (input.portIndex !== undefined) out.portIndex = input.portIndex;
  else if (input.port === undefined && protocol !== 'COMMAND') out.portIndex = 0;
  out.protocol = protocol;
  out.ipProtocol = input.ipProtocol ?? 'IPv4';
  out.timeoutSeconds = input.timeoutSeconds ?? 20;
  out.delaySeconds = input.delaySeconds ?? 15;
  return out;
}

function nonEmptyLabels(labels: unknown): Json {
  return labels && typeof labels === 'object' && Object.keys(labels).length > 0 ? { labels } : {};
}

export interface DefinitionContext {
  /** A free service port (Marathon's 10000–20000 range). */
  servicePort(): number;
  version: string;
}

/**
 * Normalizes an app definition as Marathon 1.10 stores and prints it: legacy input
 * (`ports`, `container.docker.portMappings`, `container.docker.network`, `ipAddress`) becomes
 * the 1.5+ networking API, defaults are filled in, service ports 0 are assigned.
 */
export function normalizeDefinition(input: Json, context: DefinitionContext, previous?: AppJson): AppJson {
  if (typeof input.id !== 'string' || !input.id) throw new Error('an app needs an "id"');
  const id = input.id.startsWith('/') ? input.id : `/${input.id}`;
  const container = input.container as Json | undefined;
  const docker = container?.docker as Json | undefined;
  let networks = input.networks as Json[] | undefined;
  if (!networks) {
    const legacy = docker?.network;
    if (legacy === 'BRIDGE') networks = [{ mode: 'container/bridge' }];
    else if (legacy === 'USER' || input.ipAddress) {
      const name = (input.ipAddress as Json | undefined)?.networkName;
      networks = [{ ...(name ? { name } : {}), mode: 'container' }];
    } else networks = [{ mode: 'host' }];
  }
  const mode = networks[0]?.mode;
  const servicePort = (port: unknown): number => (typeof port === 'number' && port > 0 ? port : context.servicePort());

  let portDefinitions: Json[] | undefined;
  let outContainer: Json | undefined;
  if (container) {
    const { portMappings: _pm, ...dockerRest } = (docker ?? {}) as Json;
    void _pm;
    delete dockerRest.network;
    outContainer = { type: container.type ?? 'DOCKER', ...(docker ? { docker: dockerRest } : {}), volumes: container.volumes ?? [] };
  }
  if (mode === 'host') {
    const definitions =
      (input.portDefinitions as Json[] | undefined) ??
      ((input.ports as number[] | undefined)?.map((port) => ({ port })) as Json[] | undefined) ??
      [{ port: 0 }];
    portDefinitions = definitions.map((d) => ({
      port: servicePort(d.port),
      ...nonEmptyLabels(d.labels),
      ...(d.name !== undefined ? { name: d.name } : {}),
      protocol: d.protocol ?? 'tcp',
    }));
  } else {
    const mappings = (container?.portMappings as Json[] | undefined) ?? (docker?.portMappings as Json[] | undefined) ?? [];
    outContainer = {
      ...(outContainer ?? { type: 'DOCKER', volumes: [] }),
      portMappings: mappings.map((m) => ({
        ...(m.containerPort !== undefined ? { containerPort: m.containerPort } : { containerPort: 0 }),
        ...(m.hostPort !== undefined ? { hostPort: m.hostPort } : mode === 'container/bridge' ? { hostPort: 0 } : {}),
        ...nonEmptyLabels(m.labels),
        ...(m.name !== undefined ? { name: m.name } : {}),
        protocol: m.protocol ?? 'tcp',
        servicePort: servicePort(m.servicePort),
      })),
    };
  }
  const healthChecks = (input.healthChecks as Json[] | undefined)?.map(healthCheck);
  const versionInfo = {
    lastScalingAt: context.version,
    lastConfigChangeAt: previous ? ((previous.versionInfo as Json | undefined)?.lastConfigChangeAt ?? context.version) : context.version,
  };
  const out: Json = {
    id,
    backoffFactor: input.backoffFactor ?? 1.15,
    backoffSeconds: input.backoffSeconds ?? 1,
    cmd: input.cmd,
    ...(Array.isArray(input.constraints) && input.constraints.length > 0 ? { constraints: input.constraints } : {}),
    container: outContainer,
    cpus: input.cpus ?? 1,
    disk: input.disk ?? 0,
    ...(input.env && Object.keys(input.env).length > 0 ? { env: input.env } : {}),
    executor: input.executor ?? '',
    ...(Array.isArray(input.fetch) && input.fetch.length > 0 ? { fetch: input.fetch } : {}),
    ...(healthChecks && healthChecks.length > 0 ? { healthChecks } : {}),
    instances: input.instances ?? 1,
    labels: input.labels ?? {},
    maxLaunchDelaySeconds: input.maxLaunchDelaySeconds ?? 300,
    mem: input.mem ?? 128,
    gpus: input.gpus ?? 0,
    networks,
    ...(portDefinitions ? { portDefinitions } : {}),
    ...(Array.isArray(input.readinessChecks) && input.readinessChecks.length > 0 ? { readinessChecks: input.readinessChecks } : {}),
    requirePorts: input.requirePorts ?? false,
    ...(input.taskKillGracePeriodSeconds !== undefined ? { taskKillGracePeriodSeconds: input.taskKillGracePeriodSeconds } : {}),
    upgradeStrategy: input.upgradeStrategy ?? { maximumOverCapacity: 1, minimumHealthCapacity: 1 },
    ...(input.user !== undefined ? { user: input.user } : {}),
    version: context.version,
    versionInfo,
    killSelection: input.killSelection ?? 'YOUNGEST_FIRST',
    unreachableStrategy: input.unreachableStrategy ?? { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
    role: input.role ?? '*',
  };
  return ordered(out, APP_ORDER) as AppJson;
}

/** The fields of an app JSON that are not part of its definition (embedded data). */
export const EMBEDDED_FIELDS = new Set([
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'readinessCheckResults',
  'tasks',
  'lastTaskFailure',
  'tasksStats',
  'taskStats',
]);
