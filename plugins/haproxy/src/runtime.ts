import { staticMembers } from './structure.js';
import { addressWithPort, serverIndex } from './view.js';
import type { HaproxyView, ServerState, ServerView, ServiceView } from './view.js';

export interface AppliedServer {
  address: string;
  port: number;
  state: ServerState;
  /** In maintenance since this worker has it: HAProxy never checked it (see `stateCommands`). */
  fresh: boolean;
}

/** What the running HAProxy has, per backend and server. */
export type Applied = Map<string, Map<string, AppliedServer>>;

/** The servers a freshly (re)loaded config starts with (drain cannot be written: it starts disabled). */
export function appliedFromView(view: HaproxyView): Applied {
  const applied: Applied = new Map();
  for (const service of view.services) {
    applied.set(
      service.name,
      new Map(service.servers.map((s) => [s.name, { address: s.address, port: s.port, state: s.state === 'ready' ? 'ready' : 'maint', fresh: s.state !== 'ready' }])),
    );
  }
  return applied;
}

/**
 * The commands that make a server ready that HAProxy has not checked: leaving maintenance sets
 * a checked server UP at once (HAProxy sets its check health to `rise`), so such a server
 * passes through drain (no new connections) and is forced DOWN before it is made ready; only
 * its own checks then bring it up. Measured with HAProxy 2.6: up 0.5 s later (two checks, fastinter 250 ms).
 */
function readyCommands(id: string, checks: boolean): string[] {
  if (!checks) return [`set server ${id} state ready`];
  return [`set server ${id} state drain`, `set server ${id} health down`, `set server ${id} state ready`];
}

/**
 * The commands that take a server from `from` to `to`. `unchecked`: HAProxy has never checked
 * it (added at run time, at a new address, or loaded by a new worker in maintenance); else it
 * comes back from a maintenance of mmsd's (Marathon's health flipped), and HAProxy checks it
 * at once as it leaves it.
 */
export function stateCommands(id: string, from: ServerState, to: ServerState, checks: boolean, unchecked: boolean): string[] {
  if (from === to) return [];
  if (to === 'ready' && from === 'maint' && unchecked) return readyCommands(id, checks);
  return [`set server ${id} state ${to}`];
}

/** A service of a static balance whose servers are not those HAProxy has: only a reload can change them. */
export function staticServersChanged(view: ServiceView, applied: Applied): boolean {
  if (staticMembers(view) === undefined) return false;
  const had = [...(applied.get(view.name)?.keys() ?? [])].sort().join(' ');
  return had !== view.servers.map((s) => s.name).sort().join(' ');
}

/**
 * The runtime API commands that bring one backend of the running HAProxy to `view`: servers
 * added (they start in maintenance), moved, set ready/drain/maint, or removed. `applied` is
 * updated to what the commands will have made of it. `only`: the names of the servers that can
 * differ (applied is in step with the view `view` was derived from, see view-update.ts).
 */
export function runtimeCommands(view: ServiceView, applied: Applied, checks: boolean, only?: readonly string[]): string[] {
  const backend = view.name;
  const current = applied.get(backend) ?? new Map<string, AppliedServer>();
  applied.set(backend, current);
  const commands: string[] = [];
  if (only) {
    for (const name of only) {
      const server = view.servers[serverIndex(view.servers, name)];
      if (server?.name === name) serverCommands(backend, server, current, checks, commands);
      else if (current.has(name)) removeCommands(backend, name, current, commands);
    }
    return commands;
  }
  const wanted = new Set<string>();
  for (const server of view.servers) {
    wanted.add(server.name);
    serverCommands(backend, server, current, checks, commands);
  }
  for (const name of [...current.keys()]) if (!wanted.has(name)) removeCommands(backend, name, current, commands);
  return commands;
}

function serverCommands(backend: string, server: ServerView, current: Map<string, AppliedServer>, checks: boolean, commands: string[]): void {
  const id = `${backend}/${server.name}`;
  const had = current.get(server.name);
  if (!had) {
    commands.push(`add server ${id} ${addressWithPort(server.address, server.port)}${server.options ? ` ${server.options}` : ''}`);
    // Added servers start in maintenance; checks are enabled before they leave it.
    if (checks) commands.push(`enable health ${id}`);
    commands.push(...stateCommands(id, 'maint', server.state, checks, true));
    current.set(server.name, { address: server.address, port: server.port, state: server.state, fresh: server.state === 'maint' });
    return;
  }
  const moved = had.address !== server.address || had.port !== server.port;
  if (moved) commands.push(`set server ${id} addr ${server.address} port ${server.port}`);
  // A new address is a new endpoint, as unchecked as a new server.
  const from = moved && server.state === 'ready' ? 'maint' : had.state;
  const unchecked = moved || had.fresh;
  commands.push(...stateCommands(id, from, server.state, checks, unchecked));
  current.set(server.name, { address: server.address, port: server.port, state: server.state, fresh: server.state === 'maint' && unchecked });
}

function removeCommands(backend: string, name: string, current: Map<string, AppliedServer>, commands: string[]): void {
  commands.push(`set server ${backend}/${name} state maint`, `del server ${backend}/${name}`);
  current.delete(name);
}
