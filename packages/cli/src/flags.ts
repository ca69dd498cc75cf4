import { Flags } from '@oclif/core';
import { LOG_FORMATS, LOG_LEVELS } from '@mmsd/core/host';
import type { LogFormat, LogLevel } from '@mmsd/core';
import type { ConfigOverrides } from '@mmsd/core/host';

/**
 * The flags every command shares: the seed's (each also read from the environment variable
 * named like it, upper-cased with underscores; the flag wins) plus `--marathon` and `--config`.
 * Precedence: flag > environment > file > default (docs/configuration.md).
 */
export const sharedFlags = {
  config: Flags.string({
    char: 'c',
    summary: 'Config file (YAML, JSON or JS). Default: .mmsdrc*, mmsd.config.* from here up, ~/.config/mmsd/, /etc/mmsd/.',
    helpValue: 'FILE',
  }),
  marathon: Flags.string({
    summary: 'Marathon URL(s) or relays, comma-separated, tried in turn (in a random order per agent).',
    env: 'MARATHON',
    helpValue: 'URL[,URL...]',
  }),
  'marathon-host': Flags.string({ summary: 'Marathon host (seed style; with --marathon-port).', env: 'MARATHON_HOST', helpValue: 'HOST' }),
  'marathon-port': Flags.integer({ summary: 'Marathon port [8080].', env: 'MARATHON_PORT', helpValue: 'PORT', min: 1, max: 65535 }),
  groups: Flags.string({ summary: 'Comma-separated lb-group globs to expose [*].', env: 'GROUPS', helpValue: 'LIST' }),
  'log-level': Flags.option({ options: [...LOG_LEVELS] as LogLevel[], summary: 'debug, info, warn, error or fatal [info].', env: 'LOG_LEVEL' })(),
  'log-format': Flags.option({
    options: [...LOG_FORMATS] as LogFormat[],
    summary: 'text or json (one object per line) [text]. Under systemd, text lines have no colours or timestamps.',
    env: 'LOG_FORMAT',
  })(),
  'strict-mode': Flags.boolean({
    summary: "marathon-lb's strict mode: expose a port only if its HAPROXY_{n}_ENABLED label is true.",
    env: 'STRICT_MODE',
    allowNo: true,
  }),
  'upstream-confd': Flags.string({
    summary: 'Enable upstream-confd: write one <service>.instances file per service into PATH.',
    env: 'UPSTREAM_CONFD',
    helpValue: 'PATH',
  }),
  'haproxy-bin': Flags.string({ summary: 'Enable haproxy, with this binary [/usr/sbin/haproxy].', env: 'HAPROXY_BIN', helpValue: 'PATH' }),
  'haproxy-pidfile': Flags.string({ summary: 'Enable haproxy, with this PID file.', env: 'HAPROXY_PIDFILE', helpValue: 'PATH' }),
};

export interface SharedFlagValues {
  config?: string | undefined;
  marathon?: string | undefined;
  'marathon-host'?: string | undefined;
  'marathon-port'?: number | undefined;
  groups?: string | undefined;
  'log-level'?: LogLevel | undefined;
  'log-format'?: LogFormat | undefined;
  'strict-mode'?: boolean | undefined;
  'upstream-confd'?: string | undefined;
  'haproxy-bin'?: string | undefined;
  'haproxy-pidfile'?: string | undefined;
}

/** What a command's parse gives the shared setup: the values, and which came from the command line. */
export interface SharedInput {
  readonly flags: SharedFlagValues;
  /**
   * Names of the flags given on the command line. oclif fills a flag from its environment
   * variable when it is absent, so this is what tells a flag from a variable.
   */
  readonly given: ReadonlySet<string>;
}

/** `raw` is what oclif's `parse()` returns besides `flags`: the command-line tokens. */
export function sharedInput(flags: SharedFlagValues, raw: readonly { type: string; flag?: string }[]): SharedInput {
  return { flags, given: new Set(raw.flatMap((token) => (token.type === 'flag' && token.flag ? [token.flag] : []))) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

function seedEndpoint(host: string | undefined, port: number | undefined): string[] | undefined {
  if (host === undefined && port === undefined) return undefined;
  return [`http://${host ?? 'localhost'}:${port ?? 8080}`];
}

/**
 * Flag > environment: a Marathon named on the command line (`--marathon`, else
 * `--marathon-host`/`--marathon-port`, the missing half from its variable or the default) wins
 * over every variable; among the variables `MARATHON` wins over `MARATHON_HOST`/`MARATHON_PORT`.
 */
export function endpointsFromFlags({ flags, given }: SharedInput): string[] | undefined {
  const urls = nonEmpty(flags.marathon);
  const host = nonEmpty(flags['marathon-host']);
  const port = flags['marathon-port'];
  const split = (value: string) => value.split(',').map((u) => u.trim()).filter(Boolean);
  if (urls && given.has('marathon')) return split(urls);
  if (given.has('marathon-host') || given.has('marathon-port')) return seedEndpoint(host, port);
  if (urls) return split(urls);
  return seedEndpoint(host, port);
}

export const LOGGER_PLUGIN = '@mmsd/plugin-logger';
export const UPSTREAM_CONFD_PLUGIN = '@mmsd/plugin-upstream-confd';
export const HAPROXY_PLUGIN = '@mmsd/plugin-haproxy';

/**
 * The flags and environment variables, as config overrides: `--upstream-confd=PATH` enables
 * upstream-confd writing into PATH, any `--haproxy-*` flag enables haproxy with those options
 * (the seed's flags, DESIGN §3).
 */
export function overridesFromFlags(input: SharedInput, cwd: string): ConfigOverrides {
  const { flags } = input;
  const endpoints = endpointsFromFlags(input);
  const groups = nonEmpty(flags.groups);
  const confd = nonEmpty(flags['upstream-confd']);
  const bin = nonEmpty(flags['haproxy-bin']);
  const pidFile = nonEmpty(flags['haproxy-pidfile']);
  const abs = (p: string) => (p.startsWith('/') ? p : `${cwd}/${p}`);
  return {
    ...(endpoints ? { endpoints } : {}),
    ...(groups ? { groups: groups.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
    ...(flags['log-level'] ? { logLevel: flags['log-level'] } : {}),
    ...(flags['log-format'] ? { logFormat: flags['log-format'] } : {}),
    ...(flags['strict-mode'] !== undefined ? { strictMode: flags['strict-mode'] } : {}),
    ...(confd || bin || pidFile
      ? {
          plugins: [
            ...(confd ? [[UPSTREAM_CONFD_PLUGIN, { dir: abs(confd) }] as const] : []),
            ...(bin || pidFile ? [[HAPROXY_PLUGIN, { ...(bin ? { bin } : {}), ...(pidFile ? { pidFile: abs(pidFile) } : {}) }] as const] : []),
          ],
        }
      : {}),
  };
}
