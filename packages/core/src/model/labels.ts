import type { Labels, Service } from './types.js';
import type { LabelRules } from './marathon-lb.js';
import { DEFAULT_LABEL_RULES, readMarathonLb } from './marathon-lb.js';
import { showValue } from './show.js';
import { isIpLiteral } from './validate.js';

export { quote, showValue } from './show.js';

/** The labels mmsd interprets (docs/labels.md). */
export const LABEL = {
  proto: 'proto',
  group: 'lb-group',
  vhost: 'lb-vhost',
  vhostDefault: 'lb-vhost-default',
  proxyProtocol: 'lb-proxy-protocol',
} as const;

/** The fields of a service that only marathon-lb's labels set (absent: not set, or the dialect is `mmsd`). */
type MarathonLbFields = Pick<Service, 'paths' | 'backendWeight' | 'bindAddress' | 'balance' | 'sticky' | 'redirectToHttps' | 'hsts' | 'auth' | 'allowedSources' | 'sslCert'>;

export interface ParsedLabels extends MarathonLbFields {
  /** Lower-cased `proto` label, if set and valid. */
  readonly proto?: string;
  readonly groups: readonly string[];
  readonly vhosts: readonly string[];
  readonly vhostDefault: boolean;
  readonly proxyProtocol: 0 | 1 | 2;
  /** One line per malformed label value; non-empty means the service must not be exposed. */
  readonly problems: readonly string[];
  /** The `lb-group` label itself is malformed (group membership cannot be decided). */
  readonly groupProblem: boolean;
  /** `HAPROXY_{n}_PORT`: the service port instead of Marathon's. */
  readonly servicePort?: number;
  /** The label the groups came from (`lb-group`, `HAPROXY_GROUP`, `HAPROXY_{n}_GROUP`), if any. */
  readonly groupLabel?: string;
  /** Why the port is not exposed although its labels are well-formed (`HAPROXY_{n}_ENABLED`, strict mode). */
  readonly disabled?: string;
}

const PROTO = /^[a-z0-9][a-z0-9+._-]{0,62}$/;
const GROUP = /^[A-Za-z0-9_][A-Za-z0-9._@+-]{0,127}$/;
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `www.example.org` or `*.example.org`: lower-case DNS labels, 253 characters at most. */
export function isVirtualHost(name: string): boolean {
  const host = name.startsWith('*.') ? name.slice(2) : name;
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((label) => HOST_LABEL.test(label));
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * The labels of one service (the port's labels over the app's), in the dialects `rules` names:
 * mmsd's own (docs/labels.md) and marathon-lb's (`HAPROXY_*`, port index `portIndex`); where
 * both set the same thing, mmsd's wins.
 */
export function parseLabels(labels: Labels, portIndex = 0, rules: LabelRules = DEFAULT_LABEL_RULES): ParsedLabels {
  const problems: string[] = [];
  /** Labels with a malformed value. */
  const malformed = new Set<string>();
  const problem = (label: string, value: string, what: string): void => {
    problems.push(`label ${label}: ${showValue(value)} ${what}`);
    malformed.add(label);
  };
  const get = (label: string): string | undefined => {
    const value = labels[label];
    if (value === undefined) return undefined;
    if (CONTROL.test(value)) {
      problem(label, value, 'contains a control character (newline, tab, …)');
      return undefined;
    }
    return value;
  };
  const own = rules.dialect === 'marathon-lb' ? undefined : readMmsdLabels(get, problem);
  const ownGroups = {
    groupProblem: malformed.has(LABEL.group),
    ...(own && labels[LABEL.group] !== undefined ? { groupLabel: LABEL.group } : {}),
  };
  const base = own ?? { groups: [], vhosts: [], vhostDefault: false, proxyProtocol: 0 as const };
  if (rules.dialect === 'mmsd') return { ...base, problems, ...ownGroups };

  const lb = readMarathonLb(labels, portIndex, get, problem, isVirtualHost, isIpLiteral);
  /** mmsd's own label sets this, and wins. */
  const ownSets = (label: string) => own !== undefined && labels[label] !== undefined;
  const groupsFromLb = !ownSets(LABEL.group) && lb.groups !== undefined;
  const vhostsFromLb = !ownSets(LABEL.vhost) && lb.vhosts !== undefined;
  // marathon-lb serves a vhost in http mode unless HAPROXY_{n}_MODE says tcp.
  const lbProto = lb.mode ?? (vhostsFromLb && lb.vhosts!.length > 0 ? 'http' : undefined);
  let disabled: string | undefined;
  if (lb.enabled === false) disabled = `HAPROXY_${portIndex}_ENABLED is false`;
  else if (rules.strictMode && lb.enabled !== true) disabled = `strict mode: HAPROXY_${portIndex}_ENABLED is not true`;
  const { groups: _g, groupLabel, vhosts: _v, mode: _m, enabled: _e, paths, allowedSources, ...typed } = lb;
  const groupsOf = groupsFromLb
    ? { groups: lb.groups!, groupProblem: malformed.has(`HAPROXY_${portIndex}_GROUP`) || malformed.has('HAPROXY_GROUP'), groupLabel: groupLabel! }
    : { groups: base.groups, ...ownGroups };
  const proto = base.proto ?? (ownSets(LABEL.proto) ? undefined : lbProto);
  return {
    ...(proto ? { proto } : {}),
    vhosts: vhostsFromLb ? lb.vhosts! : base.vhosts,
    vhostDefault: base.vhostDefault,
    proxyProtocol: base.proxyProtocol,
    problems,
    ...groupsOf,
    ...typed,
    ...(paths && paths.length > 0 ? { paths } : {}),
    ...(allowedSources && allowedSources.length > 0 ? { allowedSources } : {}),
    ...(disabled ? { disabled } : {}),
  };
}

/** mmsd's own labels (docs/labels.md), validated. */
function readMmsdLabels(
  get: (label: string) => string | undefined,
  problem: (label: string, value: string, what: string) => void,
): Pick<ParsedLabels, 'proto' | 'groups' | 'vhosts' | 'vhostDefault' | 'proxyProtocol'> {
  let proto: string | undefined;
  const protoValue = get(LABEL.proto);
  if (protoValue !== undefined) {
    const normalized = protoValue.trim().toLowerCase();
    if (PROTO.test(normalized)) proto = normalized;
    else problem(LABEL.proto, protoValue, 'is not a protocol name (letters, digits, "+", ".", "_", "-")');
  }

  const groups: string[] = [];
  const groupValue = get(LABEL.group);
  if (groupValue !== undefined) {
    for (const group of splitList(groupValue)) {
      if (GROUP.test(group)) groups.push(group);
      else {
        problem(LABEL.group, group, 'is not a group name (letters, digits, ".", "_", "-")');
      }
    }
  }

  const vhosts: string[] = [];
  const vhostValue = get(LABEL.vhost);
  if (vhostValue !== undefined) {
    for (const raw of splitList(vhostValue)) {
      const host = raw.toLowerCase().replace(/\.$/, '');
      if (isVirtualHost(host)) {
        if (!vhosts.includes(host)) vhosts.push(host);
      } else problem(LABEL.vhost, raw, 'is not a host name (or *.domain)');
    }
  }

  let vhostDefault = false;
  const defaultValue = get(LABEL.vhostDefault);
  if (defaultValue !== undefined) {
    const v = defaultValue.trim().toLowerCase();
    if (v === '1' || v === 'true') vhostDefault = true;
    else if (!(v === '0' || v === 'false' || v === '')) problem(LABEL.vhostDefault, defaultValue, 'is not 1 or 0');
  }

  let proxyProtocol: 0 | 1 | 2 = 0;
  const proxyValue = get(LABEL.proxyProtocol);
  if (proxyValue !== undefined) {
    const v = proxyValue.trim();
    if (v === '1') proxyProtocol = 1;
    else if (v === '2') proxyProtocol = 2;
    else if (!(v === '0' || v === '')) problem(LABEL.proxyProtocol, proxyValue, 'is not a PROXY protocol version (1 or 2)');
  }

  return { ...(proto ? { proto } : {}), groups, vhosts, vhostDefault, proxyProtocol };
}
