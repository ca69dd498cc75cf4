import type { ServiceChange } from '@mmsd/core';
import type { HaproxyOptions } from './options.js';
import { serviceView } from './view.js';
import type { HaproxyView, ServiceView } from './view.js';

/**
 * The structure of a config is all of it but its server lines (and comments): what the runtime
 * API cannot change, so only a reload can. It is tested at two costs, for one policy:
 * - exactly, on a rendered text (`structureOf`): a reload happens only when the structure of
 *   the rendered config differs from the one HAProxy loaded (and `haproxy -c` is skipped for a
 *   file rewrite only when it equals a checked one);
 * - per service, in O(changed), on what the template renders of a service outside its server
 *   lines (`serviceKey`). A change that keeps a service's key is applied at run time with no
 *   render; one that changes it asks for a render, and the exact test decides (a label no line
 *   shows costs no reload). A custom template must render what depends on tasks in server lines.
 */
export function structureOf(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*(server\s|#)/.test(line))
    .join('\n');
}

/**
 * Balance algorithms whose backends HAProxy 2.6 cannot give or take a server at run time
 * (`add server`: "Backend must use a dynamic load balancing to support dynamic servers"): which
 * servers such a service has is structure; only their states change at run time. (`source` is
 * rendered with `hash-type consistent`, which can.)
 */
const STATIC_BALANCE = new Set(['static-rr']);

/** The servers of a service whose membership only a reload can change, else undefined. */
export function staticMembers(view: ServiceView): string | undefined {
  return STATIC_BALANCE.has(view.balance) ? view.servers.map((s) => s.name).join(' ') : undefined;
}

/** What the template renders of a service outside its server lines (and, for a static balance, which servers). */
export function serviceKey(view: ServiceView): string {
  const s = view.service;
  return JSON.stringify([view.mode, view.bind, view.port, view.check, s.proxyProtocol, s.vhosts, s.vhostDefault, s.labels, staticMembers(view)]);
}

/** A rendered config with its structure (a Candidate). */
interface Structured {
  view: HaproxyView;
  structure: string;
}

/** The structure the running HAProxy loaded, and the service keys of the config file. */
export class LoadedStructure {
  private text: string | undefined;
  private keys = new Map<string, string>();
  /** The servers HAProxy loaded for each service of a static balance. */
  private members = new Map<string, string>();

  /** HAProxy loaded `candidate` (a start or a reload). */
  loaded(candidate: Structured): void {
    this.text = candidate.structure;
    this.members = new Map();
    for (const s of candidate.view.services) {
      const members = staticMembers(s);
      if (members !== undefined) this.members.set(s.service.name, members);
    }
    this.installed(candidate.view);
  }

  /** A config was installed without a load (same structure, or `manage: false`). */
  installed(view: HaproxyView): void {
    this.keys = new Map(view.services.map((s) => [s.service.name, serviceKey(s)]));
  }

  /** A change of this service can be applied at run time (and spliced into the file). */
  atRuntime(view: ServiceView): boolean {
    return this.keys.get(view.service.name) === serviceKey(view);
  }

  /**
   * Which of a snapshot's service changes the runtime API applies (`runtime`, by name), and
   * whether any needs a reload (a TCP service added, removed or redefined). HTTP-only
   * services are not this handler's.
   */
  classify(changes: Iterable<ServiceChange>, options: HaproxyOptions, viewOf: (change: ServiceChange) => ServiceView = (change) => serviceView(change.after!, options)): { structural: boolean; runtime: string[] } {
    const runtime: string[] = [];
    let structural = false;
    for (const change of changes) {
      const tcpBefore = change.before?.transport === 'tcp';
      const tcpAfter = change.after?.transport === 'tcp';
      if (!tcpBefore && !tcpAfter) continue;
      if (!change.before || !change.after || !tcpBefore || !tcpAfter || !this.atRuntime(viewOf(change))) structural = true;
      else runtime.push(change.name);
    }
    return { structural, runtime };
  }

  /** Loading `candidate` needs a reload: its structure is not the one HAProxy runs. */
  needsReload(candidate: Structured): boolean {
    return (
      candidate.structure !== this.text ||
      candidate.view.services.some((s) => {
        const members = staticMembers(s);
        return members !== undefined && this.members.get(s.service.name) !== members;
      })
    );
  }
}
