import type { Service } from '@mmsd/core';

/** What a gateway needs of a service's view (view.ts's ServiceView). */
export interface GatewayMember {
  readonly name: string;
  readonly service: Service;
}

export interface GatewayRoute {
  /** Exact host name, or the suffix (`.example.org`) of a `*.example.org` vhost. */
  match: string;
  backend: string;
}

/** Routing by vhost and path prefix (`HAPROXY_{n}_PATH`), tried before the vhost-only routes. */
export interface PathRoute {
  backend: string;
  /** Exact host names, and suffixes of `*.` vhosts. */
  exact: string[];
  wildcard: string[];
  /** `path_beg` prefixes, the longest first. */
  paths: string[];
}

export interface GatewayView {
  name: string;
  bind: string;
  port: number;
  exact: { backend: string; hosts: string[] }[];
  wildcard: GatewayRoute[];
  /** By `HAPROXY_{n}_BACKEND_WEIGHT` (higher first), then the longest path first. */
  pathRoutes: PathRoute[];
  defaultBackend?: string;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The gateway of `members` on `port` (none when the port is 0 or nothing is routed); conflicts are warned about as `kind`. */
export function gatewayView(name: string, bind: string, port: number, members: readonly GatewayMember[], warnings: string[], kind: string): GatewayView | undefined {
  return port > 0 ? gatewayOn(name, bind, port, routesOf(members, warnings, kind)) : undefined;
}

/** A gateway on `port` serving `routes`: none when the port is 0 or there are no routes. */
export function gatewayOn(name: string, bind: string, port: number, routes: GatewayRoutes | undefined): GatewayView | undefined {
  return port > 0 && routes ? { name, bind, port, ...routes } : undefined;
}

/** What a gateway routes (by Host and path, or by SNI), whatever listener serves it. */
export type GatewayRoutes = Omit<GatewayView, 'name' | 'bind' | 'port'>;

/** Routes to nothing: a listener that exists for another reason (TLS termination) and routes no vhost. */
export function noRoutes(): GatewayRoutes {
  return { exact: [], wildcard: [], pathRoutes: [] };
}

/**
 * The routes of `members` (undefined when none has a vhost): each vhost (with a path, each
 * vhost and path) goes to the first service that claims it; the rest are warned about as
 * `kind`. Exact names are tried before wildcards, the most specific wildcard first, and routes
 * with a path before both.
 */
export function routesOf(members: readonly GatewayMember[], warnings: string[], kind: string): GatewayRoutes | undefined {
  const owner = new Map<string, string>();
  const pathOwner = new Map<string, string>();
  const pathRoutes: (PathRoute & { weight: number })[] = [];
  let defaultBackend: string | undefined;
  for (const member of members) {
    const service = member.service;
    if (service.paths && service.paths.length > 0) {
      const free = service.paths.flatMap((path) =>
        service.vhosts.flatMap((vhost) => {
          const key = `${vhost}${path}`;
          const claimed = pathOwner.get(key);
          if (claimed) {
            warnings.push(`${kind} gateway: ${vhost}${path} of ${member.name} is already served by ${claimed}; ignored`);
            return [];
          }
          pathOwner.set(key, member.name);
          return [{ vhost, path }];
        }),
      );
      if (free.length === 0) continue;
      const hosts = [...new Set(free.map((f) => f.vhost))].sort(byName);
      pathRoutes.push({
        backend: member.name,
        exact: hosts.filter((h) => !h.startsWith('*.')),
        wildcard: hosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1)),
        paths: [...new Set(free.map((f) => f.path))].sort((a, b) => b.length - a.length || byName(a, b)),
        weight: service.backendWeight ?? 0,
      });
      continue;
    }
    for (const vhost of service.vhosts) {
      const claimed = owner.get(vhost);
      if (claimed) warnings.push(`${kind} gateway: vhost ${vhost} of ${member.name} is already served by ${claimed}; ignored`);
      else owner.set(vhost, member.name);
    }
    if (service.vhostDefault) {
      if (defaultBackend) warnings.push(`${kind} gateway: ${member.name} is a default vhost too; ${defaultBackend} stays the default`);
      else defaultBackend = member.name;
    }
  }
  if (owner.size === 0 && pathRoutes.length === 0 && !defaultBackend) return undefined;
  const exact = new Map<string, string[]>();
  const wildcard: GatewayRoute[] = [];
  for (const [vhost, backend] of owner) {
    if (vhost.startsWith('*.')) wildcard.push({ match: vhost.slice(1), backend });
    else exact.set(backend, [...(exact.get(backend) ?? []), vhost]);
  }
  // The most specific wildcard first; then by name, for a deterministic file.
  wildcard.sort((a, b) => b.match.length - a.match.length || byName(a.match, b.match));
  pathRoutes.sort((a, b) => b.weight - a.weight || b.paths[0]!.length - a.paths[0]!.length || byName(a.backend, b.backend));
  return {
    exact: [...exact.entries()].sort(([a], [b]) => byName(a, b)).map(([backend, hosts]) => ({ backend, hosts: hosts.sort() })),
    wildcard,
    pathRoutes: pathRoutes.map(({ weight: _, ...route }) => route),
    ...(defaultBackend ? { defaultBackend } : {}),
  };
}
