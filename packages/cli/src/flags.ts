import { Flags } from '@oclif/core';
import { LOG_LEVELS } from '@mmsd/core';
import type { ConfigOverrides, LogLevel } from '@mmsd/core';

/**
 * The flags every command shares: the seed's (each also read from the environment variable
 * named like it, upper-cased with underscores; the flag wins) plus `--marathon` and `--config`.
 */
export const sharedFlags = {
  config: Flags.string({
    char: 'c',
    summary: 'Config file (YAML, JSON or JS). Default: .mmsdrc*, mmsd.config.* from here up, ~/.config/mmsd/, /etc/mmsd/.',
    helpValue: 'FILE',
  }),
  marathon: Flags.string({
    summary: 'Marathon URL(s), comma-separated, tried in turn.',
    env: 'MARATHON',
    helpValue: 'URL[,URL...]',
  }),
  'marathon-host': Flags.string({ summary: 'Marathon host (seed style; with --marathon-port).', env: 'MARATHON_HOST', helpValue: 'HOST' }),
  'marathon-port': Flags.integer({ summary: 'Marathon port [8080].', env: 'MARATHON_PORT', helpValue: 'PORT', min: 1, max: 65535 }),
  groups: Flags.string({ summary: 'Comma-separated lb-group globs to expose [*].', env: 'GROUPS', helpValue: 'LIST' }),
  'log-level': Flags.option({ options: [...LOG_LEVELS] as LogLevel[], summary: 'debug, info, warn, error or fatal [info].', env: 'LOG_LEVEL' })(),
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
  'upstream-confd'?: string | undefined;
  'haproxy-bin'?: string | undefined;
  'haproxy-pidfile'?: string | undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/** `--marathon` wins; `--marathon-host`/`--marathon-port` build http://HOST:PORT. */
export function endpointsFromFlags(flags: SharedFlagValues): string[] | undefined {
  const urls = nonEmpty(flags.marathon);
  if (urls) return urls.split(',').map((u) => u.trim()).filter(Boolean);
  const host = nonEmpty(flags['marathon-host']);
  const port = flags['marathon-port'];
  if (host === undefined && port === undefined) return undefined;
  return [`http://${host ?? 'localhost'}:${port ?? 8080}`];
}

export function overridesFromFlags(flags: SharedFlagValues, cwd: string): ConfigOverrides {
  const endpoints = endpointsFromFlags(flags);
  const groups = nonEmpty(flags.groups);
  const confd = nonEmpty(flags['upstream-confd']);
  const bin = nonEmpty(flags['haproxy-bin']);
  const pidFile = nonEmpty(flags['haproxy-pidfile']);
  const abs = (p: string) => (p.startsWith('/') ? p : `${cwd}/${p}`);
  return {
    ...(endpoints ? { endpoints } : {}),
    ...(groups ? { groups: groups.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
    ...(flags['log-level'] ? { logLevel: flags['log-level'] } : {}),
    ...(confd ? { upstreamConfd: abs(confd) } : {}),
    ...(bin || pidFile ? { haproxy: { ...(bin ? { bin } : {}), ...(pidFile ? { pidFile: abs(pidFile) } : {}) } } : {}),
  };
}
