import type { Applied } from './runtime.js';
import { stateCommands } from './runtime.js';
import type { ServerRuntimeState } from './socket.js';
import type { HaproxyView, ServerState } from './view.js';

/**
 * HAProxy's server-state file (format 1, as `show servers state` prints it), loaded by every
 * worker at start and reload (`load-server-state-from-file global`). HAProxy 2.6 starts a
 * checked server UP until its checks fail (`init-state` came in 3.1): a line that says STOPPED
 * with check health 0 makes it start DOWN instead, so that only its checks bring it up. Lines
 * are matched by backend and server name; the ids are not forced, so 0 stands for them.
 */
const HEADER =
  '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n';

/** op_state 0 (stopped), admin 0 (ready), weights 1, check status 1 (init), health 0, check state 6 (configured, enabled). */
function downLine(backend: string, server: string, address: string, port: number): string {
  return `0 ${backend} 0 ${server} ${address} 0 0 1 1 0 1 0 0 6 0 0 0 - ${port} - 0 0 - - 0\n`;
}

/** `backend/server` of every line of a state file (or of `show servers state`). */
function namesIn(states: string): Set<string> {
  const names = new Set<string>();
  for (const line of states.split('\n')) {
    const f = line.split(' ');
    if (f.length > 4 && /^\d+$/.test(f[0]!)) names.add(`${f[1]}/${f[3]}`);
  }
  return names;
}

/**
 * The state file for the workers that load `view`: `saved` (the running worker's states, or
 * none at a first start) plus a DOWN line for every checked, ready server it does not hold.
 * `running` names servers the running worker has even though `saved` could not be read: they
 * keep HAProxy's default rather than all going DOWN at once.
 * Without HAProxy checks nothing would bring such a server up: then `saved` is all there is.
 */
export function stateFileFor(view: HaproxyView, saved: string | undefined, checks: boolean, running: Iterable<string> = []): string {
  const known = saved ? namesIn(saved) : new Set<string>();
  for (const name of running) known.add(name);
  let text = saved && saved.startsWith('1\n') ? saved.replace(/\n*$/, '\n') : HEADER;
  if (!checks) return text;
  for (const service of view.services) {
    for (const server of service.servers) {
      if (server.state !== 'ready' || known.has(`${service.name}/${server.name}`)) continue;
      text += downLine(service.name, server.name, server.address, server.port);
    }
  }
  return text;
}

/**
 * The commands that bring the servers of a freshly (re)loaded worker (`actual`) to the states
 * of the view it was rendered from; `applied` is updated to match. A server in maintenance
 * there was never checked by this worker.
 */
export function alignStates(view: HaproxyView, actual: readonly ServerRuntimeState[], applied: Applied, checks: boolean): string[] {
  const wanted = new Map<string, ServerState>();
  for (const service of view.services) for (const server of service.servers) wanted.set(`${service.name}/${server.name}`, server.state);
  const commands: string[] = [];
  for (const server of actual) {
    const id = `${server.backend}/${server.server}`;
    const state = wanted.get(id);
    if (state) commands.push(...stateCommands(id, server.admin, state, checks, true));
  }
  for (const [id, state] of wanted) {
    const [backend, name] = id.split('/') as [string, string];
    const entry = applied.get(backend)?.get(name);
    if (entry) {
      entry.state = state;
      entry.fresh = state === 'maint';
    }
  }
  return commands;
}

/**
 * What the replaced worker's checks found after its states were saved for the new one (it stops
 * checking once the new worker runs, so `last` is what it knew then): a server that came up
 * there meanwhile starts DOWN in the new worker, one that went down starts UP. The new worker is
 * told, for every server ready in both at the same address that the view wants ready; its own
 * checks go on from there (HAProxy 2.6: `health up` lasts until `fall` checks fail, `health
 * down` until `rise` pass).
 */
export function carriedChecks(view: HaproxyView, last: readonly ServerRuntimeState[], actual: readonly ServerRuntimeState[]): string[] {
  const wanted = new Set<string>();
  for (const service of view.services) for (const server of service.servers) if (server.state === 'ready') wanted.add(`${service.name}/${server.name}`);
  const before = new Map(last.map((s) => [`${s.backend}/${s.server}`, s]));
  const commands: string[] = [];
  for (const now of actual) {
    const id = `${now.backend}/${now.server}`;
    const was = before.get(id);
    if (!was || !wanted.has(id) || was.admin !== 'ready' || now.admin !== 'ready') continue;
    if (was.address !== now.address || was.port !== now.port || was.operational === now.operational) continue;
    commands.push(`set server ${id} health ${was.operational}`);
  }
  return commands;
}
