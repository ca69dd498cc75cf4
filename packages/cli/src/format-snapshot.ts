import type { App, MmsdConfig, Service, Snapshot } from '@mmsd/core';

function appJson(app: App): Record<string, unknown> {
  return {
    id: app.id,
    version: app.version,
    instances: app.instances,
    network: app.network,
    labels: app.labels,
    ports: app.ports,
    healthChecks: app.healthChecks,
    services: app.services,
    tasks: [...app.tasks.values()],
  };
}

/** `mmsd dump --json`: the model (docs/writing-a-plugin.md#payloads), maps as arrays, sorted by name. */
export function snapshotJson(snapshot: Snapshot, config: MmsdConfig): Record<string, unknown> {
  const byName = <T>(items: Iterable<T>, key: (t: T) => string) => [...items].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  return {
    syncedAt: snapshot.syncedAt ?? null,
    marathon: config.marathon.endpoints,
    groups: config.groups,
    apps: byName(snapshot.apps.values(), (a) => a.id).map(appJson),
    services: byName(snapshot.services.values(), (s) => s.name),
    excluded: byName(snapshot.excluded.values(), (e) => e.service.name).map((e) => ({
      name: e.service.name,
      appId: e.service.appId,
      reason: e.reason,
      detail: e.detail,
      service: e.service,
    })),
  };
}

function serviceLine(service: Service): string {
  const up = service.backends.filter((b) => b.health === 'up').length;
  const parts = [
    service.name,
    `:${service.servicePort}`,
    `${service.proto}/${service.transport}`,
    `${up}/${service.backends.length} up`,
  ];
  if (service.healthCheck) parts.push(`check ${service.healthCheck.marathonProtocol}${service.healthCheck.path ? ` ${service.healthCheck.path}` : ''}`);
  if (service.groups.length > 0) parts.push(`groups ${service.groups.join(',')}`);
  if (service.vhosts.length > 0) parts.push(`vhosts ${service.vhosts.join(',')}`);
  if (service.vhostDefault) parts.push('default vhost');
  if (service.proxyProtocol) parts.push(`proxy-protocol v${service.proxyProtocol}`);
  return parts.join('  ');
}

/** `mmsd dump`: one line per service, its backends below it, then what is not exposed and why. */
export function snapshotTable(snapshot: Snapshot): string {
  const lines: string[] = [];
  const services = [...snapshot.services.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  lines.push(`${services.length} services exposed, from ${snapshot.apps.size} apps${snapshot.syncedAt ? ` (synced ${snapshot.syncedAt})` : ''}`);
  for (const service of services) {
    lines.push('', serviceLine(service));
    for (const b of service.backends) {
      const address = b.address && b.address !== b.host ? ` (${b.address})` : '';
      lines.push(`  ${b.health.padEnd(8)} ${b.host}:${b.port}${address}  ${b.state}  ${b.taskId}`);
    }
    if (service.backends.length === 0) lines.push('  (no backends)');
  }
  const excluded = [...snapshot.excluded.values()].sort((a, b) => (a.service.name < b.service.name ? -1 : 1));
  if (excluded.length > 0) {
    lines.push('', `${excluded.length} services not exposed:`);
    for (const e of excluded) lines.push(`  ${e.service.name}  ${e.reason}: ${e.detail}`);
  }
  return `${lines.join('\n')}\n`;
}
