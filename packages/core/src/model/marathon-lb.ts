// marathon-lb's labels, read as they are (docs/migrating-from-marathon-lb.md): per app
// (`HAPROXY_GROUP`) and per port index (`HAPROXY_{n}_…`). Every value is validated as mmsd's own
// labels are; labels that are raw HAProxy config text (marathon-lb's template overrides) are
// refused, never pasted: the service is excluded with a reason naming the label.
import type { BasicAuth, Labels } from './types.js';

/** Which label dialects the model reads (config `labels`). */
export type LabelDialect = 'mmsd' | 'marathon-lb' | 'both';

export interface LabelRules {
  readonly dialect: LabelDialect;
  /** marathon-lb's `--strict-mode`: a port is exposed only if `HAPROXY_{n}_ENABLED` is true. */
  readonly strictMode: boolean;
}

export const DEFAULT_LABEL_RULES: LabelRules = Object.freeze({ dialect: 'both', strictMode: false });

/** The label rules of a config (`labels`, `strictMode`). */
export function labelRulesOf(config: { readonly labels: LabelDialect; readonly strictMode: boolean }): LabelRules {
  return { dialect: config.labels, strictMode: config.strictMode };
}

/** What the marathon-lb labels of one port say, validated; absent keys were not set. */
export interface MarathonLbPort {
  groups?: string[];
  /** The label the groups came from: `HAPROXY_{n}_GROUP`, else `HAPROXY_GROUP`. */
  groupLabel?: string;
  vhosts?: string[];
  mode?: 'http' | 'tcp';
  servicePort?: number;
  paths?: string[];
  backendWeight?: number;
  bindAddress?: string;
  balance?: string;
  sticky?: boolean;
  redirectToHttps?: boolean;
  hsts?: boolean;
  auth?: BasicAuth;
  allowedSources?: string[];
  sslCert?: string;
  enabled?: boolean;
}

/** `HAPROXY_{n}_<NAME>` labels mmsd reads, by NAME. */
export const MARATHON_LB_PORT_LABELS = [
  'GROUP', 'ENABLED', 'VHOST', 'PATH', 'BACKEND_WEIGHT', 'PORT', 'MODE', 'BIND_ADDR', 'BALANCE', 'STICKY',
  'REDIRECT_TO_HTTPS', 'USE_HSTS', 'AUTH', 'BACKEND_NETWORK_ALLOWED_ACL', 'SSL_CERT',
] as const;

const GROUP = /^[A-Za-z0-9_][A-Za-z0-9._@+-]{0,127}$/;
const PATH = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@%/]{0,255}$/;
const BALANCES = new Set(['roundrobin', 'static-rr', 'leastconn', 'first', 'source', 'random']);
const REALM = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const USER = /^[A-Za-z0-9._-]{1,64}$/;
const CRYPT = /^\$(1|5|6|2[aby]|y)\$[./A-Za-z0-9$=,-]{8,200}$/;
const CERT = /^\/[A-Za-z0-9._/-]{1,255}$/;
const CIDR = /^([0-9a-fA-F:.]+)(?:\/(\d{1,3}))?$/;

function flag(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0' || v === '') return false;
  return undefined;
}

function isCidr(value: string, isIpLiteral: (address: string) => boolean): boolean {
  const m = CIDR.exec(value);
  if (!m || !isIpLiteral(m[1]!)) return false;
  if (m[2] === undefined) return true;
  return Number(m[2]) <= (m[1]!.includes(':') ? 128 : 32);
}

/**
 * Reads the marathon-lb labels of port `n` (`HAPROXY_GROUP` for the app, `HAPROXY_{n}_GROUP`
 * overriding it). `problem(label, value, what)` is told each malformed value and each refused
 * label; `isVirtualHost` validates vhosts as mmsd's `lb-vhost` does, `isIpLiteral` addresses.
 */
export function readMarathonLb(
  labels: Labels,
  n: number,
  get: (label: string) => string | undefined,
  problem: (label: string, value: string, what: string) => void,
  isVirtualHost: (name: string) => boolean,
  isIpLiteral: (address: string) => boolean,
): MarathonLbPort {
  const out: MarathonLbPort = {};
  const prefix = `HAPROXY_${n}_`;
  for (const key of Object.keys(labels)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (!(MARATHON_LB_PORT_LABELS as readonly string[]).includes(name)) {
      problem(key, labels[key]!, 'is marathon-lb config text (a template override), which mmsd does not paste into a config: use a template of your own (option "template") or the typed labels (docs/migrating-from-marathon-lb.md)');
    }
  }
  const at = (name: string) => {
    const label = `${prefix}${name}`;
    const value = get(label);
    return value === undefined ? undefined : { label, value };
  };
  const list = (value: string, separator: RegExp) => value.split(separator).map((v) => v.trim()).filter(Boolean);

  const group = at('GROUP') ?? (get('HAPROXY_GROUP') === undefined ? undefined : { label: 'HAPROXY_GROUP', value: labels.HAPROXY_GROUP! });
  if (group) {
    out.groups = [];
    out.groupLabel = group.label;
    for (const g of list(group.value, /,/)) {
      if (GROUP.test(g)) out.groups.push(g);
      else problem(group.label, g, 'is not a group name (letters, digits, ".", "_", "-")');
    }
  }
  const enabled = at('ENABLED');
  if (enabled) {
    const v = flag(enabled.value);
    if (v === undefined) problem(enabled.label, enabled.value, 'is not true or false');
    else out.enabled = v;
  }
  const vhost = at('VHOST');
  if (vhost) {
    out.vhosts = [];
    for (const raw of list(vhost.value, /,/)) {
      const host = raw.toLowerCase().replace(/\.$/, '');
      if (isVirtualHost(host)) {
        if (!out.vhosts.includes(host)) out.vhosts.push(host);
      } else problem(vhost.label, raw, 'is not a host name (or *.domain)');
    }
  }
  const path = at('PATH');
  if (path) {
    out.paths = [];
    for (const p of list(path.value, /\s+/)) {
      if (PATH.test(p)) out.paths.push(p);
      else problem(path.label, p, 'is not a URL path ("/" and then letters, digits, "-._~!$&()*+,;=:@%/")');
    }
    if (!vhost) problem(path.label, path.value, `routes by path under a vhost: set ${prefix}VHOST too`);
  }
  const weight = at('BACKEND_WEIGHT');
  if (weight) {
    if (/^-?\d{1,6}$/.test(weight.value.trim())) out.backendWeight = Number(weight.value.trim());
    else problem(weight.label, weight.value, 'is not an integer');
  }
  const port = at('PORT');
  if (port) {
    const v = port.value.trim();
    if (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535) out.servicePort = Number(v);
    else problem(port.label, port.value, 'is not a port (1-65535)');
  }
  const mode = at('MODE');
  if (mode) {
    const v = mode.value.trim().toLowerCase();
    if (v === 'http' || v === 'tcp') out.mode = v;
    else problem(mode.label, mode.value, 'is not http or tcp');
  }
  const bind = at('BIND_ADDR');
  if (bind) {
    const v = bind.value.trim();
    if (isIpLiteral(v)) out.bindAddress = v;
    else problem(bind.label, bind.value, 'is not an IP address');
  }
  const balance = at('BALANCE');
  if (balance) {
    const v = balance.value.trim().toLowerCase();
    if (BALANCES.has(v)) out.balance = v;
    else problem(balance.label, balance.value, `is not one of ${[...BALANCES].join(', ')}`);
  }
  for (const [name, key] of [['STICKY', 'sticky'], ['REDIRECT_TO_HTTPS', 'redirectToHttps'], ['USE_HSTS', 'hsts']] as const) {
    const v = at(name);
    if (!v) continue;
    const parsed = flag(v.value);
    if (parsed === undefined) problem(v.label, v.value, 'is not true or false');
    else out[key] = parsed;
  }
  const auth = at('AUTH');
  if (auth) {
    const [realm, user, ...rest] = auth.value.split(':');
    const hash = rest.join(':');
    if (!realm || !REALM.test(realm)) problem(auth.label, auth.value, 'does not start with a realm (letters, digits, spaces, "._-") and ":"');
    else if (!user || !USER.test(user)) problem(auth.label, auth.value, 'has no user name (letters, digits, "._-") after the realm');
    else if (!CRYPT.test(hash)) problem(auth.label, `${realm}:${user}:…`, 'has no crypt(3) password hash after the user (e.g. from mkpasswd -m sha-512)');
    else out.auth = { realm, user, passwordHash: hash };
  }
  const acl = at('BACKEND_NETWORK_ALLOWED_ACL');
  if (acl) {
    out.allowedSources = [];
    for (const source of list(acl.value, /[\s,]+/)) {
      if (isCidr(source, isIpLiteral)) out.allowedSources.push(source);
      else problem(acl.label, source, 'is not an IP address or network (10.0.0.0/8)');
    }
  }
  const cert = at('SSL_CERT');
  if (cert) {
    const v = cert.value.trim();
    if (CERT.test(v) && !v.split('/').includes('..')) out.sslCert = v;
    else problem(cert.label, cert.value, 'is not an absolute path of a PEM file');
  }
  return out;
}
