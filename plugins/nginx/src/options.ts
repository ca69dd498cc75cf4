export interface NginxOptions {
  bin: string;
  configFile: string;
  pidFile: string;
  /** nginx's error log (its own messages: reloads, upstreams failing). */
  logFile: string;
  /** Where nginx keeps its temporary files (request bodies, proxied responses). */
  tempDir: string;
  /** The address the services' ports are bound on. */
  bind: string;
  /** The HTTP gateway (routing by Host) and the HTTPS gateway (SNI passthrough); 0: none. */
  gateway: { http: number; https: number; bind?: string };
  /** An ejs template that replaces the default one (relative to the config file). */
  template?: string;
  /** Seconds between two reloads at least; changes meanwhile are coalesced into the next. */
  minReloadInterval: number;
  /** Start nginx (and restart it when it dies); false: only write the config. */
  manage: boolean;
  /** How backend changes reach nginx: `reload` (a coalesced, hitless reload), `lua`, or `auto`. */
  dynamic: 'auto' | 'lua' | 'reload';
  /** Passive checks of each backend (nginx's `max_fails`, `fail_timeout`). */
  maxFails: number;
  failTimeout: string;
  /** Idle keep-alive connections kept to each HTTP upstream. */
  keepalive: number;
  /** How long old workers may finish their requests after a reload. */
  workerShutdownTimeout: string;
  /** The stream module (TCP services, the HTTPS gateway), if nginx has it as a dynamic module. */
  streamModule: string;
  /** nginx's Lua module and the NDK it needs (Debian: libnginx-mod-http-lua): backend changes without a reload. */
  luaModule: string;
  ndkModule: string;
  /** The loopback port of the endpoint inside nginx that mmsd sets the upstreams' members through (Lua path). */
  controlPort: number;
}

const duration = { type: 'string', pattern: '^[0-9]+(ms|s|m|h|d)?$' };
const address = { type: 'string', minLength: 1, pattern: '^[0-9A-Za-z.:*\\[\\]-]+$' };
const path = { type: 'string', minLength: 1, pattern: '^[^;{}\\s#\'"$]+$' };

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    bin: { ...path, default: '/usr/sbin/nginx' },
    configFile: { ...path, default: '/var/run/mmsd/nginx.conf' },
    pidFile: { ...path, default: '/var/run/mmsd/nginx.pid' },
    logFile: { ...path, default: '/var/log/mmsd/nginx.log' },
    tempDir: { ...path, default: '/var/run/mmsd/nginx' },
    bind: { ...address, default: '0.0.0.0' },
    gateway: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        http: { type: 'integer', minimum: 0, maximum: 65535, default: 80 },
        https: { type: 'integer', minimum: 0, maximum: 65535, default: 443 },
        bind: address,
      },
    },
    template: { type: 'string', minLength: 1 },
    minReloadInterval: { type: 'number', minimum: 0, default: 2 },
    manage: { type: 'boolean', default: true },
    dynamic: { enum: ['auto', 'lua', 'reload'], default: 'auto' },
    maxFails: { type: 'integer', minimum: 0, default: 1 },
    failTimeout: { ...duration, default: '10s' },
    keepalive: { type: 'integer', minimum: 0, default: 32 },
    workerShutdownTimeout: { ...duration, default: '30s' },
    streamModule: { ...path, default: '/usr/lib/nginx/modules/ngx_stream_module.so' },
    luaModule: { ...path, default: '/usr/lib/nginx/modules/ngx_http_lua_module.so' },
    ndkModule: { ...path, default: '/usr/lib/nginx/modules/ndk_http_module.so' },
    controlPort: { type: 'integer', minimum: 1, maximum: 65535, default: 8082 },
  },
} as const;
