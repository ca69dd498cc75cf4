import { isIP } from 'node:net';
import { showValue } from './show.js';

/**
 * Marathon's own grammar of app ids (PathId): absolute, `/`-separated segments, each a dotted
 * run of lower-case DNS labels. Ids outside it never come from a sane Marathon; they would
 * reach file names and config sections, so their apps are not exposed.
 */
const ID_SEGMENT = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;

export function isAppId(id: string): boolean {
  if (id.length < 2 || id.length > 1024 || !id.startsWith('/')) return false;
  return id.slice(1).split('/').every((segment) => ID_SEGMENT.test(segment));
}

export function appIdProblem(id: string): string | undefined {
  if (isAppId(id)) return undefined;
  return `app id ${showValue(id)} is not a Marathon app id (absolute path of segments made of a-z, 0-9, "-" and ".")`;
}

/** A host name (RFC 1123 labels; `_` tolerated, as agents' names carry it in the wild). */
export function isHostName(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => HOST_LABEL.test(label));
}

export function isPortNumber(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** `1.2.3.4`, `fd00::1`: an address literal a load balancer can connect to as it is. */
export function isIpLiteral(address: string): boolean {
  return isIP(address) !== 0;
}

/**
 * Why a task cannot be routed to, if it cannot: its id is empty, its host is neither a host name nor an IP
 * literal, a port is not 1–65535, or an IP-per-task address is not an IP. An empty host is
 * not a problem (Marathon does not know it yet, or the task is reached by its IP).
 */
export function taskProblem(task: { id: string; host: string; ipAddresses: readonly string[]; ports: readonly number[] }): string | undefined {
  if (task.id.trim() === '') return 'the task id is empty';
  if (task.host !== '' && !isHostName(task.host) && !isIpLiteral(task.host)) {
    return `host ${showValue(task.host)} is neither a host name nor an IP address`;
  }
  const port = task.ports.find((p) => !isPortNumber(p));
  if (port !== undefined) return `port ${showValue(String(port))} is not a port number (1-65535)`;
  const ip = task.ipAddresses.find((a) => !isIpLiteral(a));
  if (ip !== undefined) return `IP address ${showValue(ip)} is not an IP address`;
  return undefined;
}

/** An app id as a log line may show it: as it is when valid, else quoted and escaped. */
export function shownId(id: string): string {
  return isAppId(id) ? id : showValue(id);
}
