import { addressWithPort } from './view.js';
import type { HaproxyView, ServerState, ServiceView } from './view.js';

export interface AppliedServer {
  address: string;
  port: number;
  state: ServerState;
}

/** What the running HAProxy has, per backend and server. */
export type Applied = Map<string, Map<string, AppliedServer>>;

/** The servers a freshly (re)loaded config starts with (drain cannot be written: it starts disabled). */
export function appliedFromView(view: HaproxyView): Applied {
  const applied: Applied = new Map();
  for (const service of view.services) {
    applied.set(
      service.name,
      new Map(service.servers.map((s) => [s.name, { address: s.address, port: s.port, state: s.state === 'ready' ? 'ready' : 'maint' }])),
    );
  }
  return applied;
}

/**
 * The runtime API commands that bring one backend of the running HAProxy to `view`: servers
 * added (they start in maintenance), moved, set ready/drain/maint, or removed. `applied` is
 * updated to what the commands will have made of it.
 */
export function runtimeCommands(view: ServiceView, applied: Applied, checks: boolean): string[] {
  const backend = view.name;
  const current = applied.get(backend) ?? new Map<string, AppliedServer>();
  applied.set(backend, current);
  const commands: string[] = [];
  const wanted = new Set<string>();
  for (const server of view.servers) {
    wanted.add(server.name);
    const id = `${backend}/${server.name}`;
    const had = current.get(server.name);
    if (!had) {
      commands.push(`add server ${id} ${addressWithPort(server.address, server.port)}${server.options ? ` ${server.options}` : ''}`);
      if (checks) commands.push(`enable health ${id}`);
      if (server.state !== 'maint') commands.push(`set server ${id} state ${server.state}`);
    } else {
      if (had.address !== server.address || had.port !== server.port) {
        commands.push(`set server ${id} addr ${server.address} port ${server.port}`);
      }
      if (had.state !== server.state) commands.push(`set server ${id} state ${server.state}`);
    }
    current.set(server.name, { address: server.address, port: server.port, state: server.state });
  }
  for (const name of [...current.keys()]) {
    if (wanted.has(name)) continue;
    commands.push(`set server ${backend}/${name} state maint`, `del server ${backend}/${name}`);
    current.delete(name);
  }
  return commands;
}

/** What makes a change of a service structural (a reload), rather than a runtime update. */
export function structuralKey(view: ServiceView): string {
  const s = view.service;
  return JSON.stringify([view.mode, view.bind, view.port, view.check, s.proxyProtocol, s.vhosts, s.vhostDefault, s.labels]);
}
