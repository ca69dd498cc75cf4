import type { Backend, Service, Snapshot } from '@mmsd/core';
import { HTTP_GATEWAY, HTTPS_GATEWAY, STATS_PROXY, proxyName, serverName } from './names.js';
import { fdBudget } from './fd-budget.js';
import type { HaproxyOptions } from './options.js';
import type { GatewayView } from './gateway-view.js';
import { gatewayOn, gatewayView, noRoutes, routesOf } from './gateway-view.js';
import type { TlsView } from './tls-view.js';
import { tlsView } from './tls-view.js';

export type { GatewayRoute, GatewayView, PathRoute } from './gateway-view.js';

export type ServerState = 'ready' | 'drain' | 'maint';
export type CheckKind = 'http' | 'redis' | 'redis-master' | 'redis-slave' | 'smtp' | 'tcp';

export interface CheckView {
  kind: CheckKind;
  /** Backend-level lines (`option httpchk`, `tcp-check …`). */
  lines: string[];
  /** Milliseconds between checks (from the Marathon health check), if it has one. */
  interMs?: number;
}

export interface ServerView {
  /** Server name (the task id). */
  name: string;
  taskId: string;
  host: string;
  address: string;
  port: number;
  /** `ready` for up tasks, `drain` for TASK_KILLING ones, `maint` for the rest. */
  state: ServerState;
  /** Keywords after the address (`check inter 10000 send-proxy`), as `add server` takes them too. */
  options: string;
  /** The whole `server` line as the config has it (maint and drain servers start `disabled`). */
  line: string;
}

export interface ServiceView {
  /** Section name: `frontend`/`backend` for http, `listen` otherwise. */
  name: string;
  service: Service;
  mode: 'http' | 'tcp';
  bind: string;
  port: number;
  check: CheckView;
  /** `Host` header of HTTP checks. */
  servers: ServerView[];
  /** Backends left out because their host does not resolve. */
  unresolved: string[];
  /** `balance` algorithm (marathon-lb's `HAPROXY_{n}_BALANCE`, else leastconn). */
  balance: string;
  /**
   * Cookie-based stickiness (`HAPROXY_{n}_STICKY`), with HAProxy's dynamic cookies (a hash of
   * the server's address and `dynamic-cookie-key`): servers added at run time get one too
   * (HAProxy 2.6 takes no `cookie` keyword in `add server`).
   */
  sticky: boolean;
  hsts: boolean;
  /** `HAPROXY_{n}_REDIRECT_TO_HTTPS`: requests that came in on the HTTP gateway's port are redirected to HTTPS. */
  redirectFromPort?: number;
  /** HTTP basic auth: the userlist section's name and the realm. */
  auth?: { userlist: string; realm: string; user: string; passwordHash: string };
  /** Only these sources may connect (`HAPROXY_{n}_BACKEND_NETWORK_ALLOWED_ACL`). */
  allowedSources?: string[];
}

export interface HaproxyView {
  global: { maxconn: number; socket: string; stateFile: string; hardStopAfter: string; closeSpreadTime: string };
  defaults: { timeouts: HaproxyOptions['timeouts'] };
  stats?: { name: string; bind: string; port: number };
  services: ServiceView[];
  gateways: { http?: GatewayView; https?: GatewayView };
  /** TLS termination on the HTTPS gateway (when there are certificates). */
  tls?: TlsView;
  /** Services that are not in the config, and why. */
  skipped: { name: string; reason: string }[];
  /** Conflicts resolved deterministically (a vhost claimed twice, two default vhosts, …). */
  warnings: string[];
  /** Why this config cannot run here (too few file descriptors): it is then not installed. */
  refusal?: string;
}

const SAFE_PATH = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/;

function checkOf(service: Service, checks: boolean, warnings: string[]): CheckView {
  const interMs = service.healthCheck ? Math.max(1, Math.round(service.healthCheck.intervalSeconds * 1000)) : undefined;
  const base = { ...(interMs !== undefined ? { interMs } : {}) };
  if (!checks) return { kind: 'tcp', lines: [], ...base };
  switch (service.proto) {
    case 'http': {
      let path = service.healthCheck?.path ?? '/';
      if (!SAFE_PATH.test(path) || path.length > 1024) {
        warnings.push(`service ${service.name}: health check path ${JSON.stringify(path.slice(0, 60))} cannot be used in HAProxy; checking / instead`);
        path = '/';
      }
      const host = service.vhosts.find((v) => !v.startsWith('*.')) ?? 'localhost';
      return {
        kind: 'http',
        lines: [`option httpchk GET ${path} HTTP/1.1`, `http-check send hdr Host ${host}`, 'http-check expect status 200-399'],
        ...base,
      };
    }
    case 'redis':
    case 'redis-master':
    case 'redis-slave': {
      const lines = ['option tcp-check', 'tcp-check connect', 'tcp-check send PING\\r\\n', 'tcp-check expect string +PONG'];
      if (service.proto !== 'redis') {
        const role = service.proto === 'redis-master' ? 'master' : 'slave';
        lines.push('tcp-check send info\\ replication\\r\\n', `tcp-check expect string role:${role}`, 'tcp-check send QUIT\\r\\n', 'tcp-check expect string +OK');
      }
      return { kind: service.proto, lines, ...base };
    }
    case 'smtp':
      return { kind: 'smtp', lines: ['option smtpchk EHLO mmsd'], ...base };
    default:
      return { kind: 'tcp', lines: [], ...base };
  }
}

function serverState(backend: Backend): ServerState {
  return backend.health === 'up' ? 'ready' : backend.health === 'draining' ? 'drain' : 'maint';
}

/** HAProxy's check interval when Marathon gives none. */
const DEFAULT_INTER_MS = 2000;
/**
 * Checks of a server that is down or changing state: a server starts DOWN until its checks
 * pass (see server-states.ts), so these decide how soon a new task gets traffic (rise 2: two
 * checks, about 0.5 s) and how soon a failing one loses it.
 */
const FAST_INTER_MS = 250;

/** `check inter 10000 fastinter 250 downinter 250 send-proxy`: the same keywords in the config and in `add server`. */
function serverOptions(service: Service, check: CheckView, checks: boolean): string {
  const words: string[] = [];
  if (checks) {
    const fast = String(Math.min(check.interMs ?? DEFAULT_INTER_MS, FAST_INTER_MS));
    words.push('check');
    if (check.interMs !== undefined) words.push('inter', String(check.interMs));
    words.push('fastinter', fast, 'downinter', fast);
  }
  if (service.proxyProtocol === 1) words.push('send-proxy');
  if (service.proxyProtocol === 2) words.push('send-proxy-v2');
  return words.join(' ');
}

export function addressWithPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function serverView(service: Service, check: CheckView, backend: Backend & { address: string }, checks: boolean): ServerView {
  const name = serverName(backend.taskId);
  const state = serverState(backend);
  const options = serverOptions(service, check, checks);
  const target = addressWithPort(backend.address, backend.port);
  return {
    name,
    taskId: backend.taskId,
    host: backend.host,
    address: backend.address,
    port: backend.port,
    state,
    options,
    line: `server ${name} ${target}${options ? ` ${options}` : ''}${state === 'ready' ? '' : ' disabled'}`,
  };
}

/** Where a server of `name` is, or would go, in a view's servers (sorted by name). */
export function serverIndex(servers: readonly ServerView[], name: string): number {
  let low = 0;
  let high = servers.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (servers[mid]!.name < name) low = mid + 1;
    else high = mid;
  }
  return low;
}

export function serviceView(service: Service, options: HaproxyOptions, warnings: string[] = []): ServiceView {
  const check = checkOf(service, options.checks, warnings);
  const servers: ServerView[] = [];
  const unresolved: string[] = [];
  const seen = new Map<string, string>();
  for (const backend of service.backends) {
    if (!backend.address) {
      unresolved.push(`${backend.host}:${backend.port}`);
      continue;
    }
    const server = serverView(service, check, backend as Backend & { address: string }, options.checks);
    const holder = seen.get(server.name);
    if (holder !== undefined) {
      if (holder !== backend.taskId) {
        warnings.push(`service ${service.name}: tasks ${JSON.stringify(holder)} and ${JSON.stringify(backend.taskId)} get the same HAProxy server name ${server.name}; the second is left out`);
      }
      continue;
    }
    seen.set(server.name, backend.taskId);
    servers.push(server);
  }
  servers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    name: proxyName(service.name),
    service,
    mode: service.proto === 'http' ? 'http' : 'tcp',
    bind: service.bindAddress ?? options.bind,
    port: service.servicePort,
    check,
    servers,
    unresolved,
    balance: service.balance ?? 'leastconn',
    sticky: service.sticky === true && service.proto === 'http',
    hsts: service.hsts === true,
    ...(service.redirectToHttps && service.proto === 'http' && options.gateway.http > 0 ? { redirectFromPort: options.gateway.http } : {}),
    ...(service.auth ? { auth: { userlist: `${proxyName(service.name)}_users`, ...service.auth } } : {}),
    ...(service.allowedSources ? { allowedSources: [...service.allowedSources] } : {}),
  };
}

/**
 * The view model of the config: everything the template needs, validated and in a fixed order
 * (same state, same bytes). Labels reach it only as validated values (vhosts, proto, PROXY
 * version); nothing from a label is copied into the config as it is.
 */
export function buildView(snapshot: Snapshot, options: HaproxyOptions, limits: { openFiles?: number } = {}): HaproxyView {
  const warnings: string[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const services: ServiceView[] = [];
  const gatewayBind = options.gateway.bind ?? options.bind;
  // A port bound twice would pass `haproxy -c` and then fail to bind: the first claim wins.
  const claims: { bind: string; port: number; owner: string }[] = [];
  const wildcard = (bind: string) => bind === '0.0.0.0' || bind === '*' || bind === '::' || bind === '[::]';
  const claim = (bind: string, port: number, owner: string): string | undefined => {
    const holder = claims.find((c) => c.port === port && (c.bind === bind || wildcard(c.bind) || wildcard(bind)));
    if (holder) return holder.owner;
    claims.push({ bind, port, owner });
    return undefined;
  };
  if (options.statsPort > 0) claim(options.statsBind, options.statsPort, STATS_PROXY);
  if (options.gateway.http > 0) claim(gatewayBind, options.gateway.http, HTTP_GATEWAY);
  if (options.gateway.https > 0) claim(gatewayBind, options.gateway.https, HTTPS_GATEWAY);
  const names = [...snapshot.services.keys()].sort();
  for (const name of names) {
    const service = snapshot.services.get(name)!;
    if (service.transport !== 'tcp') {
      skipped.push({ name, reason: `${service.transport}: HAProxy balances TCP only` });
      continue;
    }
    const holder = claim(service.bindAddress ?? options.bind, service.servicePort, name);
    if (holder) {
      skipped.push({ name, reason: `port ${service.servicePort} is already bound by ${holder}` });
      warnings.push(`service ${name} is not served: its port ${service.servicePort} is already bound by ${holder}`);
      continue;
    }
    services.push(serviceView(service, options, warnings));
  }
  const withVhosts = (mode: 'http' | 'tcp') =>
    services.filter((s) => s.mode === mode && (s.service.vhosts.length > 0 || s.service.vhostDefault));
  // The HTTP gateway's routes serve TLS termination too (also when the HTTP gateway is off).
  const httpRoutes = routesOf(withVhosts('http'), options.gateway.http > 0 ? warnings : [], 'HTTP');
  const http = gatewayOn(HTTP_GATEWAY, gatewayBind, options.gateway.http, httpRoutes);
  const tls = tlsView(options, services, httpRoutes, warnings);
  const https =
    gatewayView(HTTPS_GATEWAY, gatewayBind, options.gateway.https, withVhosts('tcp'), warnings, 'HTTPS') ??
    (tls ? gatewayOn(HTTPS_GATEWAY, gatewayBind, options.gateway.https, noRoutes()) : undefined);
  // Listeners: the services, the gateways, the stats page and the admin socket.
  const listeners = services.length + (http ? 1 : 0) + (https ? 1 : 0) + (tls ? 1 : 0) + (options.statsPort > 0 ? 1 : 0) + 1;
  const checked = options.checks ? services.reduce((n, s) => n + s.servers.length, 0) : 0;
  const budget = fdBudget(options.maxconn, listeners, checked, limits.openFiles);
  if (budget.warning) warnings.push(budget.warning);
  return {
    global: {
      maxconn: budget.maxconn,
      socket: options.socket,
      stateFile: options.stateFile,
      hardStopAfter: options.hardStopAfter,
      closeSpreadTime: options.closeSpreadTime,
    },
    defaults: { timeouts: options.timeouts },
    ...(options.statsPort > 0 ? { stats: { name: STATS_PROXY, bind: options.statsBind, port: options.statsPort } } : {}),
    services,
    gateways: { ...(http ? { http } : {}), ...(https ? { https } : {}) },
    ...(tls ? { tls } : {}),
    skipped,
    warnings,
    ...(budget.refusal ? { refusal: budget.refusal } : {}),
  };
}
