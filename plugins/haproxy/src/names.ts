import { createHash } from 'node:crypto';

/** Characters HAProxy accepts in proxy and server names. */
const UNSAFE = /[^A-Za-z0-9._:-]/g;

/**
 * Proxy (section) names: the service name (dotted app id, `_i` for port index i). Marathon ids
 * only hold [a-z0-9.-], so these never need escaping, and never collide with mmsd's own
 * sections, which all contain an underscore followed by a letter (`mmsd_stats`).
 */
export function proxyName(serviceName: string): string {
  return serviceName.replace(UNSAFE, '_');
}

/**
 * Server names: the task id (stable across reloads, unique in a backend). A task id with a
 * character HAProxy does not take is cut there and a hash of the whole id appended, so that
 * `a b` and `a_b` stay two servers and nothing after the first bad character (`\n  bind :66`)
 * reaches the config even as harmless characters; the view reports what still collides.
 */
export function serverName(taskId: string): string {
  const bad = taskId.search(UNSAFE);
  if (bad === -1) return taskId;
  return `${taskId.slice(0, bad) || 'task'}-${createHash('sha1').update(taskId).digest('hex').slice(0, 10)}`;
}

export const STATS_PROXY = 'mmsd_stats';
export const HTTP_GATEWAY = 'mmsd_http_gateway';
export const HTTPS_GATEWAY = 'mmsd_https_gateway';
