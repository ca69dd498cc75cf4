/** Options of the haproxy handler (config `["@mmsd/plugin-haproxy", {…}]`, or the --haproxy-* flags). */
export interface HaproxyOptions {
  /** The HAProxy binary. */
  bin: string;
  /** Where the generated config is written (after `haproxy -c` accepted it). */
  configFile: string;
  /** PID file of the HAProxy master. */
  pidFile: string;
  /** HAProxy's admin socket (runtime API). */
  socket: string;
  /** HAProxy's master CLI socket (reloads). */
  masterSocket: string;
  /** Server states are saved here before a reload and loaded by the new worker. */
  stateFile: string;
  /** HAProxy's own messages (the master's stderr) are appended here: why a reload failed, … */
  logFile: string;
  /** Address the service ports are bound to. */
  bind: string;
  /** HTTP (Host header) and HTTPS (SNI, TLS passthrough) gateways for lb-vhost; 0 turns one off. */
  gateway: { http: number; https: number; bind?: string };
  /** HAProxy's stats page; 0 turns it off. */
  statsPort: number;
  statsBind: string;
  /** An ejs template that replaces the default one (relative to the config file). */
  template?: string;
  /** Seconds between two reloads at least (structural changes are coalesced meanwhile). */
  minReloadInterval: number;
  /** Milliseconds after the last backend change before the config file is rewritten to match. */
  writeDelay: number;
  maxconn: number;
  /** How long old workers may keep serving established connections after a reload. */
  hardStopAfter: string;
  /**
   * After a reload the old worker closes its idle keep-alive connections over this window
   * rather than all at once (HAProxy's close-spread-time): measured, it is what keeps
   * connections opened just before a reload from being reset.
   */
  closeSpreadTime: string;
  timeouts: { connect: string; client: string; server: string; httpRequest: string };
  /** HAProxy's own health checks of the servers (besides Marathon's). */
  checks: boolean;
  /** Start HAProxy (and restart it when it dies); false: only write the config. */
  manage: boolean;
  /**
   * TLS termination on the HTTPS gateway: PEM files (certificate and key) or directories of
   * them, like marathon-lb's --ssl-certs; HAProxy picks the certificate by SNI.
   */
  tls?: { certs: string[] };
}

const duration = { type: 'string', pattern: '^[0-9]+(us|ms|s|m|h|d)?$' };

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    bin: { type: 'string', minLength: 1, default: '/usr/sbin/haproxy' },
    configFile: { type: 'string', minLength: 1, default: '/var/run/mmsd/haproxy.cfg' },
    pidFile: { type: 'string', minLength: 1, default: '/var/run/mmsd/haproxy.pid' },
    socket: { type: 'string', minLength: 1, default: '/var/run/mmsd/haproxy.sock' },
    masterSocket: { type: 'string', minLength: 1, default: '/var/run/mmsd/haproxy-master.sock' },
    stateFile: { type: 'string', minLength: 1, default: '/var/run/mmsd/haproxy.state' },
    logFile: { type: 'string', minLength: 1, default: '/var/log/mmsd/haproxy.log' },
    bind: { type: 'string', minLength: 1, pattern: '^[0-9A-Za-z.:*\\[\\]-]+$', default: '0.0.0.0' },
    gateway: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        http: { type: 'integer', minimum: 0, maximum: 65535, default: 80 },
        https: { type: 'integer', minimum: 0, maximum: 65535, default: 443 },
        bind: { type: 'string', minLength: 1, pattern: '^[0-9A-Za-z.:*\\[\\]-]+$' },
      },
    },
    statsPort: { type: 'integer', minimum: 0, maximum: 65535, default: 8081 },
    statsBind: { type: 'string', minLength: 1, pattern: '^[0-9A-Za-z.:*\\[\\]-]+$', default: '127.0.0.1' },
    template: { type: 'string', minLength: 1 },
    minReloadInterval: { type: 'number', minimum: 0, default: 2 },
    writeDelay: { type: 'integer', minimum: 0, default: 500 },
    maxconn: { type: 'integer', minimum: 1, default: 4096 },
    hardStopAfter: { ...duration, default: '10m' },
    closeSpreadTime: { ...duration, default: '5s' },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        connect: { ...duration, default: '5s' },
        client: { ...duration, default: '60s' },
        server: { ...duration, default: '60s' },
        httpRequest: { ...duration, default: '10s' },
      },
    },
    checks: { type: 'boolean', default: true },
    manage: { type: 'boolean', default: true },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['certs'],
      properties: { certs: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } },
    },
  },
} as const;
