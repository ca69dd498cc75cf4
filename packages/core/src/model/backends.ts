import { isPortNumber } from './validate.js';
import type { App, Backend, PortSpec, Task } from './types.js';

/** Returns the IP of a host name (an IP literal is its own address) if known; never blocks. */
export type AddressLookup = (host: string) => string | undefined;

// A service's backends, in `host:port` order (as upstream files list them; the task id breaks
// ties): built from all the app's tasks, or from the backends before and the tasks that changed.

/** Where a task serves one port (docs/marathon-api.md#where-a-service-ports-backends-are). */
function endpointOf(app: App, port: PortSpec, task: Task): { host: string; port: number } | undefined {
  if (task.problem) return undefined;
  if (app.network === 'container' && port.containerPort !== undefined) {
    const ip = task.ipAddresses[0];
    return ip && isPortNumber(port.containerPort) ? { host: ip, port: port.containerPort } : undefined;
  }
  if (port.hostPortIndex === undefined) return undefined;
  const hostPort = task.ports[port.hostPortIndex];
  if (hostPort === undefined || !task.host) return undefined;
  return { host: task.host, port: hostPort };
}

function backendOf(app: App, port: PortSpec, task: Task, lookupAddress: AddressLookup): Backend | undefined {
  const endpoint = endpointOf(app, port, task);
  if (!endpoint) return undefined;
  const address = lookupAddress(endpoint.host);
  return Object.freeze({
    taskId: task.id,
    host: endpoint.host,
    ...(address ? { address } : {}),
    port: endpoint.port,
    state: task.state,
    health: task.health,
  });
}

const keyOf = (backend: { host: string; port: number }): string => `${backend.host}:${backend.port}`;

function compare(keyA: string, taskA: string, keyB: string, taskB: string): number {
  if (keyA !== keyB) return keyA < keyB ? -1 : 1;
  return taskA < taskB ? -1 : taskA > taskB ? 1 : 0;
}

/** All backends of one port of `app`, sorted. */
export function backendsOf(app: App, port: PortSpec, lookupAddress: AddressLookup): readonly Backend[] {
  // Sorted by a key made once per backend, not once per comparison.
  const keyed: { key: string; backend: Backend }[] = [];
  for (const task of app.tasks.values()) {
    const backend = backendOf(app, port, task, lookupAddress);
    if (backend) keyed.push({ key: keyOf(backend), backend });
  }
  keyed.sort((a, b) => compare(a.key, a.backend.taskId, b.key, b.backend.taskId));
  return Object.freeze(keyed.map((k) => k.backend));
}

/** The first index whose backend sorts at or after (key, taskId). */
function lowerBound(backends: readonly Backend[], key: string, taskId: string): number {
  let low = 0;
  let high = backends.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const b = backends[mid]!;
    if (compare(keyOf(b), b.taskId, key, taskId) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The backends of one port after task events: `backends` were built for `previous` (the same
 * definition as `next`); each changed task's backend is taken out where its old endpoint sorts
 * and put in where its new one does, O(changed × log n) to find plus one copy of the array.
 * Unchanged, `backends` itself is returned. Equal to backendsOf(next, …) (tested).
 */
export function backendsAfter(
  backends: readonly Backend[],
  previous: App,
  next: App,
  port: PortSpec,
  changed: Iterable<string>,
  lookupAddress: AddressLookup,
): readonly Backend[] {
  let result: Backend[] | undefined;
  for (const taskId of changed) {
    const list: readonly Backend[] = result ?? backends;
    const was = previous.tasks.get(taskId);
    const is = next.tasks.get(taskId);
    const oldEndpoint = was && endpointOf(previous, port, was);
    const fresh = is && backendOf(next, port, is, lookupAddress);
    let at = -1;
    if (oldEndpoint) {
      const i = lowerBound(list, keyOf(oldEndpoint), taskId);
      if (list[i]?.taskId === taskId) at = i;
    }
    if (at >= 0 && fresh && sameBackend(list[at]!, fresh)) continue;
    if (at < 0 && !fresh) continue;
    result ??= [...backends];
    if (at >= 0) result.splice(at, 1);
    if (fresh) result.splice(lowerBound(result, keyOf(fresh), taskId), 0, fresh);
  }
  return result ? Object.freeze(result) : backends;
}

export function sameBackend(a: Backend, b: Backend): boolean {
  return (
    a === b ||
    (a.taskId === b.taskId &&
      a.host === b.host &&
      a.address === b.address &&
      a.port === b.port &&
      a.state === b.state &&
      a.health === b.health)
  );
}
