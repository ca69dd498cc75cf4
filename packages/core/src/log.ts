import createDebug from 'debug';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A component logger. Messages go to `debug` namespaces `mmsd:<component>:<level>`, so
 * `DEBUG=mmsd:marathon:*` shows everything the Marathon client says, and `--log-level`
 * enables `mmsd:*:<level>` for its level and the ones above.
 */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
  fatal(message: string, ...args: unknown[]): void;
  /** A logger for a sub-component: `mmsd:<component>:<name>:<level>`. */
  child(name: string): Logger;
  readonly component: string;
}

/** The debug namespaces a log level enables. */
export function namespacesForLevel(level: LogLevel): string {
  if (level === 'debug') return 'mmsd:*';
  const from = LOG_LEVELS.indexOf(level);
  return LOG_LEVELS.slice(from)
    .map((l) => `mmsd:*:${l}`)
    .join(',');
}

const userNamespaces: string | undefined = process.env.DEBUG;

/**
 * Enables the namespaces of `level`, plus whatever `DEBUG` named when the process started
 * (so `DEBUG=mmsd:marathon:*` still adds the Marathon client's debug lines at level info).
 */
export function setLogLevel(level: LogLevel): void {
  const parts = [namespacesForLevel(level)];
  if (userNamespaces) parts.push(userNamespaces);
  createDebug.enable(parts.join(','));
}

/** Tests use this to forget the DEBUG value seen at startup. */
export function createLogger(component: string): Logger {
  const sinks = new Map<LogLevel, createDebug.Debugger>();
  const sink = (level: LogLevel): createDebug.Debugger => {
    let d = sinks.get(level);
    if (!d) {
      d = createDebug(`mmsd:${component}:${level}`);
      sinks.set(level, d);
    }
    return d;
  };
  const at =
    (level: LogLevel) =>
    (message: string, ...args: unknown[]): void => {
      const d = sink(level);
      if (d.enabled) d(message, ...args);
    };
  return {
    component,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (name: string) => createLogger(`${component}:${name}`),
  };
}

/** A logger that drops everything (library use, tests). */
export const silentLogger: Logger = {
  component: 'silent',
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child: () => silentLogger,
};
