import type { AppJson, TaskJson } from './app-definition.js';
import { newInstanceId, taskIdOf } from './ids.js';

export interface ClusterOptions {
  apps: number;
  tasksPerApp: number;
  /** Ports per app (default 1). */
  portsPerApp?: number;
  /** Agent host names (default agent-1 … agent-20.cluster.internal). */
  agents?: string[];
  /** Give every app an HTTP health check (default true). */
  healthChecks?: boolean;
  /** Id prefix (default /bench). */
  prefix?: string;
  /** First service port (default 10000). */
  firstServicePort?: number;
  labels?: Record<string, string>;
}

const VERSION = '2026-01-01T00:00:00.000Z';

/**
 * A synthetic cluster in Marathon 1.10's shape: `apps` host-networking apps, each with
 * `tasksPerApp` healthy running tasks spread over the agents. For benchmarks and load tests.
 */
export function generateCluster(options: ClusterOptions): { apps: (AppJson & { tasks: TaskJson[] })[] } {
  const ports = options.portsPerApp ?? 1;
  const agents = options.agents ?? Array.from({ length: 20 }, (_, i) => `agent-${i + 1}.cluster.internal`);
  const prefix = options.prefix ?? '/bench';
  const checks = options.healthChecks ?? true;
  let servicePort = options.firstServicePort ?? 10_000;
  const hostPorts = new Map<string, number>();
  const apps: (AppJson & { tasks: TaskJson[] })[] = [];
  const width = String(options.apps).length;
  for (let a = 0; a < options.apps; a++) {
    const id = `${prefix}/app-${String(a).padStart(width, '0')}`;
    const tasks: TaskJson[] = [];
    for (let t = 0; t < options.tasksPerApp; t++) {
      const host = agents[(a * options.tasksPerApp + t) % agents.length]!;
      const taskPorts: number[] = [];
      for (let p = 0; p < ports; p++) {
        const next = hostPorts.get(host) ?? 31_000;
        taskPorts.push(next);
        hostPorts.set(host, next + 1 > 60_000 ? 31_000 : next + 1);
      }
      const instanceId = newInstanceId(id);
      tasks.push({
        appId: id,
        healthCheckResults: checks ? [{ alive: true, consecutiveFailures: 0, firstSuccess: VERSION, instanceId, lastSuccess: VERSION }] : [],
        host,
        id: taskIdOf(instanceId),
        ipAddresses: [],
        ports: taskPorts,
        servicePorts: [],
        slaveId: `sim-agent-${host}`,
        state: 'TASK_RUNNING',
        stagedAt: VERSION,
        startedAt: VERSION,
        version: VERSION,
        localVolumes: [],
        role: '*',
      });
    }
    apps.push({
      id,
      backoffFactor: 1.15,
      backoffSeconds: 1,
      cmd: 'sleep infinity',
      cpus: 0.1,
      disk: 0,
      executor: '',
      ...(checks
        ? {
            healthChecks: [
              { gracePeriodSeconds: 60, ignoreHttp1xx: false, intervalSeconds: 10, maxConsecutiveFailures: 3, path: '/health', portIndex: 0, protocol: 'HTTP', ipProtocol: 'IPv4', timeoutSeconds: 5, delaySeconds: 15 },
            ],
          }
        : {}),
      instances: options.tasksPerApp,
      labels: { ...(options.labels ?? {}) },
      maxLaunchDelaySeconds: 300,
      mem: 128,
      gpus: 0,
      networks: [{ mode: 'host' }],
      portDefinitions: Array.from({ length: ports }, (_, p) => ({ port: servicePort++, name: `port${p}`, protocol: 'tcp' })),
      requirePorts: false,
      upgradeStrategy: { maximumOverCapacity: 1, minimumHealthCapacity: 1 },
      version: VERSION,
      versionInfo: { lastScalingAt: VERSION, lastConfigChangeAt: VERSION },
      killSelection: 'YOUNGEST_FIRST',
      unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
      role: '*',
      tasks,
    });
  }
  return { apps };
}
