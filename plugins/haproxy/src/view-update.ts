import type { Backend, Service } from '@mmsd/core';
import { serverName } from './names.js';
import type { HaproxyOptions } from './options.js';
import type { ServiceView } from './view.js';
import { serverIndex, serverView, serviceView } from './view.js';

/** A service's view and, when it was derived from an earlier view, that view and the server names that differ. */
export interface ViewOf {
  readonly view: ServiceView;
  readonly from?: ServiceView;
  readonly changed?: readonly string[];
}

/**
 * The views of the services a task event changes, each made once per Service object (the
 * structural test and the runtime update share it). A service that differs from its previous
 * version in backends alone (core hands such a service out after a task event, the other
 * backends the same objects) gets the previous view with the changed servers taken out and
 * put in: O(backends) identity comparisons and O(changed × log n) to place them, where a full
 * view is built and sorted anew (11 ms for one service of 10,000 tasks, bench/_sv measured).
 */
export class ServiceViews {
  private readonly views = new WeakMap<Service, ViewOf>();

  constructor(private readonly options: HaproxyOptions) {}

  of(service: Service, before?: Service): ViewOf {
    const known = this.views.get(service);
    if (known) return known;
    const previous = before && this.views.get(before)?.view;
    const derived = previous && derive(previous, service, this.options);
    const made = derived ?? { view: serviceView(service, this.options) };
    this.views.set(service, made);
    return made;
  }
}

function sameButBackends(a: Service, b: Service): boolean {
  const keys = Object.keys(a) as (keyof Service)[];
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => key === 'backends' || a[key] === b[key]);
}

const order = (b: Backend): string => `${b.host}:${b.port}`;

function compareBackends(a: Backend, b: Backend): number {
  const ka = order(a);
  const kb = order(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0;
}

/** The backends only in `before` and only in `after`, both in core's `host:port` order. */
function backendChanges(before: readonly Backend[], after: readonly Backend[]): { gone: Backend[]; added: Backend[] } | undefined {
  const gone: Backend[] = [];
  const added: Backend[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const a = before[i];
    const b = after[j];
    if (a !== undefined && a === b) {
      i++;
      j++;
      continue;
    }
    const c = a === undefined ? 1 : b === undefined ? -1 : compareBackends(a, b);
    if (c < 0) gone.push(before[i++]!);
    else if (c > 0) added.push(after[j++]!);
    else {
      gone.push(before[i++]!);
      added.push(after[j++]!);
    }
  }
  return gone.length + added.length > 64 ? undefined : { gone, added };
}

/** `previous` with the servers of the changed backends redone; undefined where only a full view is right. */
function derive(previous: ServiceView, service: Service, options: HaproxyOptions): ViewOf | undefined {
  if (!sameButBackends(previous.service, service)) return undefined;
  // A backend the previous view left out (its server name taken) might be due in now.
  if (previous.servers.length + previous.unresolved.length !== previous.service.backends.length) return undefined;
  const changes = backendChanges(previous.service.backends, service.backends);
  // Many changes (a deploy's batch) are as cheap in full; unresolved hosts and name collisions are the full view's to report.
  if (!changes || [...changes.gone, ...changes.added].some((b) => !b.address)) return undefined;
  const servers = [...previous.servers];
  const changed = new Set<string>();
  for (const backend of changes.gone) {
    const name = serverName(backend.taskId);
    const at = serverIndex(servers, name);
    if (servers[at]?.taskId !== backend.taskId) return undefined;
    servers.splice(at, 1);
    changed.add(name);
  }
  for (const backend of changes.added) {
    const server = serverView(service, previous.check, backend as Backend & { address: string }, options.checks);
    const at = serverIndex(servers, server.name);
    if (servers[at]?.name === server.name) return undefined;
    servers.splice(at, 0, server);
    changed.add(server.name);
  }
  return { view: { ...previous, service, servers }, from: previous, changed: [...changed] };
}
