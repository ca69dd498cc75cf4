import type { Labels } from './types.js';
import type { BasicAuth, LabelRules } from './marathon-lb.js';
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

export interface ParsedLabels {
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
  /** marathon-lb's typed labels (absent: not set, or the dialect is `mmsd`). */
  readonly servicePort?: number;
  readonly paths?: readonly string[];
  readonly backendWeight?: number;
  readonly bindAddress?: string;
  readonly balance?: string;
  readonly sticky?: boolean;
  readonly redirectToHttps?: boolean;
  readonly hsts?: boolean;
  readonly auth?: BasicAuth;
  readonly allowedSources?: readonly string[];
  readonly sslCert?: string;
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
  let groupProblem = false;
  const problem = (label: string, value: string, what: string): void => {
    problems.push(`label ${label}: ${showValue(value)} ${what}`);
  };
  const get = (label: string): string | undefined => {
    const value = labels[label];
    if (value === undefined) return undefined;
    if (CONTROL.test(value)) {
      problem(label, value, 'contains a control character (newline, tab, …)');
      if (label === LABEL.group) groupProblem = true;
      return undefined;
    }
    return value;
  };

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
        groupProblem = true;
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

  const mmsd = rules.dialect !== 'marathon-lb';
  const base = mmsd
    ? { proto, groups, vhosts, vhostDefault, proxyProtocol }
    : { proto: undefined, groups: [] as string[], vhosts: [] as string[], vhostDefault: false, proxyProtocol: 0 as const };
  if (!mmsd) problems.length = 0;
  if (rules.dialect === 'mmsd') {
    return { ...base, problems, groupProblem: mmsd && groupProblem, ...(groupValue !== undefined ? { groupLabel: LABEL.group } : {}) };
  }
  const before = problems.length;
  const lb = readMarathonLb(labels, portIndex, get, problem, isVirtualHost, isIpLiteral);
  const lbGroupProblem = lb.groups !== undefined && problems.slice(before).some((p) => /^label HAPROXY_(\d+_)?GROUP:/.test(p));
  const has = (label: string) => mmsd && labels[label] !== undefined;
  const groupsFromLb = !has(LABEL.group) && lb.groups !== undefined;
  const vhostsFromLb = !has(LABEL.vhost) && lb.vhosts !== undefined;
  // marathon-lb serves a vhost in http mode unless HAPROXY_{n}_MODE says tcp.
  const lbProto = lb.mode ?? (vhostsFromLb && (lb.vhosts?.length ?? 0) > 0 ? 'http' : undefined);
  let disabled: string | undefined;
  if (lb.enabled === false) disabled = `HAPROXY_${portIndex}_ENABLED is false`;
  else if (rules.strictMode && lb.enabled !== true) disabled = `strict mode: HAPROXY_${portIndex}_ENABLED is not true`;
  return {
    proto: base.proto ?? (has(LABEL.proto) ? undefined : lbProto),
    groups: groupsFromLb ? lb.groups! : base.groups,
    vhosts: vhostsFromLb ? lb.vhosts! : base.vhosts,
    vhostDefault: base.vhostDefault,
    proxyProtocol: base.proxyProtocol,
    problems,
    groupProblem: (mmsd && groupProblem) || (groupsFromLb && lbGroupProblem),
    ...(groupsFromLb ? { groupLabel: labels[`HAPROXY_${portIndex}_GROUP`] !== undefined ? `HAPROXY_${portIndex}_GROUP` : 'HAPROXY_GROUP' } : has(LABEL.group) ? { groupLabel: LABEL.group } : {}),
    ...(lb.servicePort !== undefined ? { servicePort: lb.servicePort } : {}),
    ...(lb.paths !== undefined && lb.paths.length > 0 ? { paths: lb.paths } : {}),
    ...(lb.backendWeight !== undefined ? { backendWeight: lb.backendWeight } : {}),
    ...(lb.bindAddress !== undefined ? { bindAddress: lb.bindAddress } : {}),
    ...(lb.balance !== undefined ? { balance: lb.balance } : {}),
    ...(lb.sticky ? { sticky: true } : {}),
    ...(lb.redirectToHttps ? { redirectToHttps: true } : {}),
    ...(lb.hsts ? { hsts: true } : {}),
    ...(lb.auth !== undefined ? { auth: lb.auth } : {}),
    ...(lb.allowedSources !== undefined && lb.allowedSources.length > 0 ? { allowedSources: lb.allowedSources } : {}),
    ...(lb.sslCert !== undefined ? { sslCert: lb.sslCert } : {}),
    ...(disabled ? { disabled } : {}),
  };
}
