import type { Service, Snapshot } from '@mmsd/core';
import type { NginxOptions } from './options.js';

export interface UpstreamServer {
  /** `address:port` (`[v6]:port`). */
  target: string;
  /** Draining (TASK_KILLING): marked `down`, no new connections. */
  down: boolean;
  taskId: string;
}

export interface ServiceView {
  /** The upstream's name: the service's. */
  name: string;
  service: Service;
  mode: 'http' | 'tcp';
  bind: string;
  port: number;
  servers: UpstreamServer[];
  /** `lb-proxy-protocol`: the PROXY header towards the backends (TCP services). */
  proxyProtocol: boolean;
}

export interface HostRoutes {
  bind: string;
  port: number;
  /** Per service: its names, exact ones first, then `*.` wildcards (nginx prefers exact names by itself). */
  routes: { upstream: string; names: string[] }[];
  defaultUpstream?: string;
}

export interface NginxView {
  pidFile: string;
  errorLog: string;
  tempDir: string;
  workerShutdownTimeout: string;
  /** Every listening socket takes a connection of each worker: 4,096 for traffic on top of them. */
  workerConnections: number;
  maxFails: number;
  failTimeout: string;
  keepalive: number;
  /** The stream module to load, when there are TCP services or an HTTPS gateway. */
  streamModule?: string;
  /**
   * The Lua path: HTTP upstreams have no server lines; a balancer reads their members from a
   * shared dict that mmsd sets through a loopback endpoint on `controlPort`.
   */
  lua?: { luaModule: string; ndkModule: string; controlPort: number; keepalive: number };
  http: ServiceView[];
  tcp: ServiceView[];
  gateways: { http?: HostRoutes; https?: HostRoutes };
  skipped: { name: string; reason: string }[];
  warnings: string[];
}

/** What nginx reads as one token: no separators, quotes, variables or comments can be in it. */
const TOKEN = /^[A-Za-z0-9._:[\]*-]+$/;

function token(value: string, what: string): string {
  if (!TOKEN.test(value)) throw new Error(`${what} ${JSON.stringify(value)} is not a plain nginx token`);
  return value;
}

function serversOf(service: Service): UpstreamServer[] {
  const servers: UpstreamServer[] = [];
  for (const backend of service.backends) {
    // Unknown is not routed: only up tasks, and draining ones (marked down), are written.
    if (!backend.address || (backend.health !== 'up' && backend.health !== 'draining')) continue;
    const host = backend.address.includes(':') ? `[${backend.address}]` : backend.address;
    servers.push({ target: token(`${host}:${backend.port}`, 'backend'), down: backend.health === 'draining', taskId: backend.taskId });
  }
  return servers.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

function routesOf(bind: string, port: number, members: ServiceView[], warnings: string[], kind: string): HostRoutes | undefined {
  if (port <= 0) return undefined;
  const owner = new Map<string, string>();
  let defaultUpstream: string | undefined;
  for (const member of members) {
    for (const vhost of member.service.vhosts) {
      const claimed = owner.get(vhost);
      if (claimed) warnings.push(`${kind} gateway: vhost ${vhost} of ${member.name} is already served by ${claimed}; ignored`);
      else owner.set(vhost, member.name);
    }
    if (member.service.vhostDefault) {
      if (defaultUpstream) warnings.push(`${kind} gateway: ${member.name} is a default vhost too; ${defaultUpstream} stays the default`);
      else defaultUpstream = member.name;
    }
  }
  if (owner.size === 0 && !defaultUpstream) return undefined;
  const names = new Map<string, string[]>();
  for (const [vhost, upstream] of owner) names.set(upstream, [...(names.get(upstream) ?? []), vhost]);
  const order = (a: string, b: string) => Number(a.startsWith('*.')) - Number(b.startsWith('*.')) || (a < b ? -1 : a > b ? 1 : 0);
  return {
    bind,
    port,
    routes: [...names.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([upstream, list]) => ({ upstream, names: list.sort(order) })),
    ...(defaultUpstream ? { defaultUpstream } : {}),
  };
}

/** One service's part of the view; throws when a value would not be a plain nginx token. */
export function serviceView(service: Service, options: NginxOptions): ServiceView {
  const view: ServiceView = {
    name: token(service.name, 'service name'),
    service,
    mode: service.proto === 'http' ? 'http' : 'tcp',
    // HAPROXY_{n}_BIND_ADDR (an IP literal; nginx wants an IPv6 one in brackets).
    bind: service.bindAddress ? (service.bindAddress.includes(':') ? `[${service.bindAddress}]` : service.bindAddress) : options.bind,
    port: service.servicePort,
    servers: serversOf(service),
    proxyProtocol: service.proxyProtocol > 0,
  };
  for (const vhost of service.vhosts) token(vhost, 'vhost');
  return view;
}

/**
 * The view model of nginx's config, validated and in a fixed order (same state, same bytes).
 * A service whose values would not be plain nginx tokens, or whose port is taken, is left out
 * with a reason; TCP services and the HTTPS gateway need the stream module (`stream`: whether
 * this nginx has it).
 */
export function buildView(snapshot: Snapshot, options: NginxOptions, stream: boolean, lua = false): NginxView {
  const warnings: string[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const http: ServiceView[] = [];
  const tcp: ServiceView[] = [];
  const gatewayBind = options.gateway.bind ?? options.bind;
  const claims = new Map<number, string>();
  if (options.gateway.http > 0) claims.set(options.gateway.http, 'the HTTP gateway');
  if (options.gateway.https > 0 && stream) claims.set(options.gateway.https, 'the HTTPS gateway');
  if (lua) claims.set(options.controlPort, "mmsd's control endpoint in nginx");
  for (const name of [...snapshot.services.keys()].sort()) {
    const service = snapshot.services.get(name)!;
    const skip = (reason: string) => {
      skipped.push({ name, reason });
      warnings.push(`service ${name} is not served by nginx: ${reason}`);
    };
    if (service.transport !== 'tcp') {
      skipped.push({ name, reason: `${service.transport}: this handler serves TCP only` });
      continue;
    }
    if (service.proto !== 'http' && !stream) {
      skip(`${service.proto} needs nginx's stream module (${options.streamModule}, Debian: libnginx-mod-stream)`);
      continue;
    }
    const holder = claims.get(service.servicePort);
    if (holder) {
      skip(`its port ${service.servicePort} is already bound by ${holder}`);
      continue;
    }
    let view: ServiceView;
    try {
      view = serviceView(service, options);
    } catch (error) {
      skip((error as Error).message);
      continue;
    }
    claims.set(service.servicePort, name);
    if (view.mode === 'tcp' && service.proxyProtocol === 2) warnings.push(`service ${name}: lb-proxy-protocol 2 asks for a version 2 PROXY header; nginx sends version 1`);
    (view.mode === 'http' ? http : tcp).push(view);
  }
  const withVhosts = (list: ServiceView[]) => list.filter((s) => s.service.vhosts.length > 0 || s.service.vhostDefault);
  const httpGateway = routesOf(gatewayBind, options.gateway.http, withVhosts(http), warnings, 'HTTP');
  const httpsGateway = stream ? routesOf(gatewayBind, options.gateway.https, withVhosts(tcp), warnings, 'HTTPS') : undefined;
  return {
    pidFile: options.pidFile,
    errorLog: options.logFile,
    tempDir: options.tempDir,
    workerShutdownTimeout: options.workerShutdownTimeout,
    workerConnections: 4096 + http.length + tcp.length + (httpGateway ? 1 : 0) + (httpsGateway ? 1 : 0) + (lua ? 1 : 0),
    maxFails: options.maxFails,
    failTimeout: options.failTimeout,
    keepalive: options.keepalive,
    ...(tcp.length > 0 || httpsGateway ? { streamModule: options.streamModule } : {}),
    ...(lua ? { lua: { luaModule: options.luaModule, ndkModule: options.ndkModule, controlPort: options.controlPort, keepalive: sharedKeepalive(options.keepalive, http.length) } } : {}),
    http,
    tcp,
    gateways: { ...(httpGateway ? { http: httpGateway } : {}), ...(httpsGateway ? { https: httpsGateway } : {}) },
    skipped,
    warnings,
  };
}

/** What only a reload can change of a service: everything but an HTTP service's members on the Lua path. */
/**
 * Idle connections to the backends the shared Lua upstream keeps per worker, for all services
 * together: `keepalive` per service, at most 1,024 (ingress-nginx keeps 320).
 */
function sharedKeepalive(perService: number, services: number): number {
  return Math.min(perService * Math.max(services, 1), 1024);
}

export function serviceKey(view: ServiceView, lua: boolean): string {
  const s = view.service;
  const members = lua && view.mode === 'http' ? [] : view.servers;
  return JSON.stringify([view.mode, view.port, s.vhosts, s.vhostDefault, view.proxyProtocol, members]);
}

/** The members of an HTTP upstream as the Lua balancer reads them: `addr:port,addr:port` (draining ones left out). */
export function membersOf(view: ServiceView): string {
  return view.servers
    .filter((s) => !s.down)
    .map((s) => s.target)
    .join(',');
}
