import type { GroupMatcher } from './groups.js';
import { arraysEqual, recordsEqual } from '../util/equal.js';
import { parseLabels } from './labels.js';
import type { LabelRules } from './marathon-lb.js';
import type { AddressLookup } from './backends.js';
import { backendsAfter, backendsOf, sameBackend } from './backends.js';
import { appIdProblem } from './validate.js';
import type { App, AppHealthCheck, ExcludedService, HealthCheck, PortSpec, Service } from './types.js';

export type { AddressLookup } from './backends.js';

export interface ServiceBuildContext {
  readonly matchGroups: GroupMatcher;
  readonly lookupAddress: AddressLookup;
  /** Which label dialects are read (default: both, not strict). */
  readonly labelRules?: LabelRules;
}

export interface AppServices {
  readonly exposed: readonly Service[];
  readonly excluded: readonly ExcludedService[];
}

const HTTP_CHECKS = new Set(['HTTP', 'MESOS_HTTP']);
const PORT_CHECKS = new Set(['HTTP', 'HTTPS', 'TCP', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);

function healthCheckFor(checks: readonly AppHealthCheck[], portIndex: number): HealthCheck | undefined {
  const check = checks.find((c) => c.portIndex === portIndex && PORT_CHECKS.has(c.marathonProtocol));
  if (!check) return undefined;
  return Object.freeze({
    protocol: HTTP_CHECKS.has(check.marathonProtocol) ? 'http' : 'tcp',
    marathonProtocol: check.marathonProtocol,
    ...(check.path !== undefined ? { path: check.path } : {}),
    intervalSeconds: check.intervalSeconds,
    timeoutSeconds: check.timeoutSeconds,
  });
}

/** A port's service apart from its backends, and why it is excluded if it is. */
interface PortTemplate {
  readonly head: Omit<Service, 'backends' | OptionalField>;
  readonly tail: Pick<Service, OptionalField>;
  readonly exclusion?: { reason: ExcludedService['reason']; detail: string };
}
type OptionalField = 'paths' | 'backendWeight' | 'bindAddress' | 'balance' | 'sticky' | 'redirectToHttps' | 'hsts' | 'auth' | 'allowedSources' | 'sslCert';

/**
 * The templates of an app's ports, for its definition and the build context: a task event
 * keeps the app's definition (the same frozen ports, labels and checks), so its services are
 * rebuilt from these and new backends, without parsing labels again.
 */
interface Templates {
  readonly labels: App['labels'];
  readonly healthChecks: App['healthChecks'];
  readonly id: string;
  readonly matchGroups: GroupMatcher;
  readonly labelRules: LabelRules | undefined;
  readonly ports: readonly PortTemplate[];
}
const templatesByPorts = new WeakMap<readonly PortSpec[], Templates>();

function templatesOf(app: App, context: ServiceBuildContext): readonly PortTemplate[] {
  const known = templatesByPorts.get(app.ports);
  if (known && known.labels === app.labels && known.healthChecks === app.healthChecks && known.id === app.id && known.matchGroups === context.matchGroups && known.labelRules === context.labelRules) return known.ports;
  const idProblem = appIdProblem(app.id);
  const ports = app.ports.map((port, index) => portTemplate(app, port, app.services[index]!, idProblem, context));
  templatesByPorts.set(app.ports, { labels: app.labels, healthChecks: app.healthChecks, id: app.id, matchGroups: context.matchGroups, labelRules: context.labelRules, ports });
  return ports;
}

function portTemplate(app: App, port: PortSpec, name: string, idProblem: string | undefined, context: ServiceBuildContext): PortTemplate {
  const labels = Object.keys(port.labels).length === 0 ? app.labels : Object.freeze({ ...app.labels, ...port.labels });
  const parsed = parseLabels(labels, port.index, context.labelRules);
  const healthCheck = healthCheckFor(app.healthChecks, port.index);
  const servicePort = parsed.servicePort ?? port.servicePort;
  const head = {
    appId: app.id,
    name,
    portIndex: port.index,
    servicePort,
    transport: port.transport,
    proto: parsed.proto ?? healthCheck?.protocol ?? port.transport,
    ...(healthCheck ? { healthCheck } : {}),
    labels,
    groups: Object.freeze(parsed.groups),
    vhosts: Object.freeze(parsed.vhosts),
    vhostDefault: parsed.vhostDefault,
    proxyProtocol: parsed.proxyProtocol,
  };
  const tail = {
    ...(parsed.paths ? { paths: Object.freeze([...parsed.paths]) } : {}),
    ...(parsed.backendWeight !== undefined ? { backendWeight: parsed.backendWeight } : {}),
    ...(parsed.bindAddress ? { bindAddress: parsed.bindAddress } : {}),
    ...(parsed.balance ? { balance: parsed.balance } : {}),
    ...(parsed.sticky ? { sticky: true } : {}),
    ...(parsed.redirectToHttps ? { redirectToHttps: true } : {}),
    ...(parsed.hsts ? { hsts: true } : {}),
    ...(parsed.auth ? { auth: Object.freeze({ ...parsed.auth }) } : {}),
    ...(parsed.allowedSources ? { allowedSources: Object.freeze([...parsed.allowedSources]) } : {}),
    ...(parsed.sslCert ? { sslCert: parsed.sslCert } : {}),
  };
  let exclusion: PortTemplate['exclusion'];
  if (idProblem) exclusion = { reason: 'invalid-id', detail: idProblem };
  else if (parsed.groupProblem) exclusion = { reason: 'invalid-label', detail: parsed.problems.join('; ') };
  else if (!context.matchGroups(parsed.groups)) {
    const none = context.labelRules?.dialect === 'mmsd' ? 'no lb-group label' : 'no lb-group or HAPROXY_GROUP label';
    const detail = parsed.groups.length === 0 ? none : `${parsed.groupLabel ?? 'lb-group'} ${parsed.groups.join(',')} not in this agent's groups`;
    exclusion = { reason: 'groups', detail };
  } else if (servicePort === 0) exclusion = { reason: 'no-service-port', detail: 'Marathon assigned no service port' };
  else if (parsed.problems.length > 0) exclusion = { reason: 'invalid-label', detail: parsed.problems.join('; ') };
  else if (parsed.disabled) exclusion = { reason: 'disabled', detail: parsed.disabled };
  return { head, tail, ...(exclusion ? { exclusion } : {}) };
}

/**
 * Task events since the services were last built: `previous` is the app they were built for
 * (the same definition), `changed` the ids of the tasks that differ, `prior` the service of a
 * port's name as built then (undefined when it was not placed, e.g. its name collided).
 */
export interface TaskChanges {
  readonly previous: App;
  readonly changed: Iterable<string>;
  readonly prior: (name: string) => Service | undefined;
}

/**
 * All services of an app, one per port index, split into exposed and excluded (with reasons).
 * With `since`, a port's backends are its prior service's with the changed tasks' replaced
 * (O(changed), not O(tasks)), and a service they leave as it was is that same object.
 */
export function buildServices(app: App, context: ServiceBuildContext, since?: TaskChanges): AppServices {
  const exposed: Service[] = [];
  const excluded: ExcludedService[] = [];
  const incremental = since !== undefined && since.previous.ports === app.ports;
  templatesOf(app, context).forEach((template, index) => {
    const port = app.ports[index]!;
    const prior = incremental ? since.prior(template.head.name) : undefined;
    let service: Service;
    if (prior) {
      const backends = backendsAfter(prior.backends, since!.previous, app, port, since!.changed, context.lookupAddress);
      service = backends === prior.backends ? prior : Object.freeze({ ...prior, backends });
    } else {
      service = Object.freeze({ ...template.head, backends: backendsOf(app, port, context.lookupAddress), ...template.tail });
    }
    if (template.exclusion) excluded.push(Object.freeze({ service, ...template.exclusion }));
    else exposed.push(service);
  });
  return { exposed, excluded };
}

/** Equal in everything but backends: a change here is structural for a load balancer. */
function sameServiceDefinition(a: Service, b: Service): boolean {
  return (
    a === b ||
    (a.name === b.name &&
      a.appId === b.appId &&
      a.portIndex === b.portIndex &&
      a.servicePort === b.servicePort &&
      a.transport === b.transport &&
      a.proto === b.proto &&
      a.vhostDefault === b.vhostDefault &&
      a.proxyProtocol === b.proxyProtocol &&
      a.healthCheck?.protocol === b.healthCheck?.protocol &&
      a.healthCheck?.marathonProtocol === b.healthCheck?.marathonProtocol &&
      a.healthCheck?.path === b.healthCheck?.path &&
      a.healthCheck?.intervalSeconds === b.healthCheck?.intervalSeconds &&
      a.healthCheck?.timeoutSeconds === b.healthCheck?.timeoutSeconds &&
      arraysEqual(a.groups, b.groups) &&
      arraysEqual(a.vhosts, b.vhosts) &&
      recordsEqual(a.labels, b.labels))
  );
}

export function sameService(a: Service, b: Service): boolean {
  return (
    a === b ||
    (sameServiceDefinition(a, b) &&
      a.backends.length === b.backends.length &&
      a.backends.every((backend, i) => sameBackend(backend, b.backends[i]!)))
  );
}

export function sameExcluded(a: ExcludedService, b: ExcludedService, same: (a: Service, b: Service) => boolean = sameService): boolean {
  return a === b || (a.reason === b.reason && a.detail === b.detail && same(a.service, b.service));
}
