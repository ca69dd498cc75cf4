import { format } from 'node:util';
import createDebug from 'debug';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A warning, an error or a fatal line (logged or not: the agent's health keeps the last ones). */
export interface LoggedProblem {
  readonly at: string;
  readonly level: 'warn' | 'error' | 'fatal';
  readonly component: string;
  readonly message: string;
}

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

/** journald's priorities (the `<N>` prefixes of sd-daemon(3)), by level. */
const PRIORITY: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3, fatal: 2 };

const output: { format: LogFormat; journal: boolean } = {
  format: 'text',
  // systemd sets JOURNAL_STREAM when stderr goes to the journal, which has its own timestamps.
  journal: Boolean(process.env.JOURNAL_STREAM),
};

let problemListener: ((problem: LoggedProblem) => void) | undefined;

/**
 * How lines are written (`--log-format`): `text` is debug's line (colours on a terminal, an ISO
 * timestamp otherwise) or, when stderr goes to the journal, `<priority>mmsd:<component>:<level>
 * message` without colours or timestamp; `json` is one object per line, `{"time", "level",
 * "component", "msg"}`.
 */
export function setLogFormat(logFormat: LogFormat): void {
  output.format = logFormat;
}

/** Hears every warning, error and fatal line, whether the level is enabled or not (one listener). */
export function onProblem(listener: ((problem: LoggedProblem) => void) | undefined): void {
  problemListener = listener;
}

function writeLine(level: LogLevel, component: string, text: string): void {
  const line =
    output.format === 'json'
      ? JSON.stringify({ time: new Date().toISOString(), level, component, msg: text })
      : `<${PRIORITY[level]}>mmsd:${component}:${level} ${text}`;
  process.stderr.write(`${line}\n`);
}

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
      const problem = problemListener && (level === 'warn' || level === 'error' || level === 'fatal');
      if (!d.enabled && !problem) return;
      if (output.format === 'text' && !output.journal) {
        if (d.enabled) d(message, ...args);
        if (problem) problemListener!({ at: new Date().toISOString(), level, component, message: format(message, ...args) });
        return;
      }
      const text = format(message, ...args);
      if (d.enabled) writeLine(level, component, text);
      if (problem) problemListener!({ at: new Date().toISOString(), level, component, message: text });
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
