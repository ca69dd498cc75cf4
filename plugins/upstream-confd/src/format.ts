import type { Service } from '@mmsd/core';

/** `developer.trapni.php` → `developer.trapni.php.instances`. */
export function fileName(service: Pick<Service, 'name'>): string {
  return `${service.name}.instances`;
}

/**
 * The content of a service's upstream file (docs/upstream-confd.md#files): five header lines (Health-Check-Proto
 * only when Marathon checks the port), a blank line, then `host:port` of each up backend,
 * sorted and unique (IPv6 addresses in brackets). Lines end with `\n`.
 */
export function renderInstances(service: Service): string {
  const lines = [
    `Service-Name: ${service.name}`,
    `Service-Port: ${service.servicePort}`,
    `Service-Transport-Proto: ${service.transport}`,
    `Service-Application-Proto: ${service.proto}`,
  ];
  if (service.healthCheck) lines.push(`Health-Check-Proto: ${service.healthCheck.protocol}`);
  lines.push('');
  const instances = new Set<string>();
  // An IPv6 task address (IP per task) is bracketed, so that the last ':' still starts the port.
  for (const backend of service.backends) {
    if (backend.health === 'up') instances.add(backend.host.includes(':') ? `[${backend.host}]:${backend.port}` : `${backend.host}:${backend.port}`);
  }
  lines.push(...[...instances].sort());
  return `${lines.join('\n')}\n`;
}
