import type { MarathonApp, MarathonPortMapping, MarathonTask } from '../marathon/types.js';
import { instanceIdOf } from './ids.js';
import type { App, Task } from './types.js';

const NETWORKS = {
  host: [{ mode: 'host' }],
  bridge: [{ mode: 'container/bridge' }],
  container: [{ mode: 'container' }],
} as const;

export function toMarathonTask(task: Task): MarathonTask {
  const instanceId = instanceIdOf(task.id);
  return {
    appId: task.appId,
    healthCheckResults: task.healthResults.map((alive) => ({ alive, instanceId })),
    host: task.host,
    id: task.id,
    ipAddresses: task.ipAddresses.map((ipAddress) => ({ ipAddress, protocol: ipAddress.includes(':') ? 'IPv6' : 'IPv4' })),
    ports: [...task.ports],
    state: task.state,
    ...(task.startedAt ? { startedAt: task.startedAt } : {}),
    ...(task.version ? { version: task.version } : {}),
  };
}

/**
 * The model's App as Marathon ≥1.5 app JSON with embedded tasks: what the state file keeps,
 * and what `normalizeApp` reads back into an equal App.
 */
export function toMarathonApp(app: App): MarathonApp {
  const withLabels = (labels: Readonly<Record<string, string>>) =>
    Object.keys(labels).length > 0 ? { labels: { ...labels } } : {};
  const out: MarathonApp = {
    id: app.id,
    instances: app.instances,
    labels: { ...app.labels },
    networks: NETWORKS[app.network].map((n) => ({ ...n })),
  };
  if (app.network === 'host') {
    out.portDefinitions = app.ports.map((p) => ({
      port: p.servicePort,
      protocol: p.transport,
      ...(p.name !== undefined ? { name: p.name } : {}),
      ...withLabels(p.labels),
    }));
  } else {
    out.container = {
      type: 'DOCKER',
      portMappings: app.ports.map(
        (p): MarathonPortMapping => ({
          ...(p.containerPort !== undefined ? { containerPort: p.containerPort } : {}),
          ...(p.hostPortIndex !== undefined ? { hostPort: 0 } : {}),
          servicePort: p.servicePort,
          protocol: p.transport,
          ...(p.name !== undefined ? { name: p.name } : {}),
          ...withLabels(p.labels),
        }),
      ),
    };
  }
  if (app.healthChecks.length > 0) {
    out.healthChecks = app.healthChecks.map((hc) => ({
      protocol: hc.marathonProtocol,
      ...(hc.portIndex !== undefined ? { portIndex: hc.portIndex } : {}),
      ...(hc.port !== undefined ? { port: hc.port } : {}),
      ...(hc.path !== undefined ? { path: hc.path } : {}),
      intervalSeconds: hc.intervalSeconds,
      timeoutSeconds: hc.timeoutSeconds,
    }));
  }
  out.version = app.version;
  out.tasks = [...app.tasks.values()].map(toMarathonTask);
  return out;
}
