import type { LogFormat, LogLevel } from '../log.js';
import type { MarathonAuth } from '../marathon/auth.js';

/** A plugin as named in the config: `"name"` or `["name", {options}]`. */
export type PluginEntry = string | [string, Record<string, unknown>];

/** The resolved configuration (docs/configuration.md), defaults filled in. */
export interface MmsdConfig {
  readonly marathon: {
    /** Tried in turn; the leader is followed. Empty: no Marathon given. */
    readonly endpoints: readonly string[];
    readonly auth?: MarathonAuth;
    /** Seconds between full resyncs. */
    readonly resyncInterval: number;
    /** Seconds a REST request may take, body included. */
    readonly timeout: number;
    /** Seconds without a byte on the event stream before it is considered dead. */
    readonly streamTimeout: number;
    /**
     * `events` (the default): Marathon's event stream, with full syncs every resyncInterval;
     * `poll`: no event stream (setups without the event bus), a full sync every pollInterval.
     */
    readonly mode: 'events' | 'poll';
    /** Seconds between two full syncs in `poll` mode. */
    readonly pollInterval: number;
  };
  /** lb-group globs this agent exposes; `*` = all. */
  readonly groups: readonly string[];
  /**
   * Milliseconds between two publishes at least; 0 (the default): batching follows the load
   * alone (published at once when idle, accumulated while a publish runs).
   */
  readonly coalesce: number;
  /** Which label dialects the model reads: mmsd's own, marathon-lb's `HAPROXY_*`, or both (mmsd's win). */
  readonly labels: 'mmsd' | 'marathon-lb' | 'both';
  /** marathon-lb's `--strict-mode`: a port is exposed only if `HAPROXY_{n}_ENABLED` is true. */
  readonly strictMode: boolean;
  /** Where the last good state is kept (false: nowhere). */
  readonly stateFile: string | false;
  readonly logLevel: LogLevel;
  /** `text` (debug's lines; under systemd without colours and timestamps) or `json` (one object per line). */
  readonly logFormat: LogFormat;
  readonly dns: {
    /** Seconds a resolved agent address is trusted. */
    readonly ttl: number;
    /** Fixed addresses of agent hosts, winning over DNS. */
    readonly hosts: Readonly<Record<string, string>>;
  };
  /** A full sync that loses this share of the up backends at once is confirmed by a second fetch. */
  readonly dropGuard: {
    readonly ratio: number;
    /** Below this many up backends the guard does not apply. */
    readonly minBackends: number;
    /** Seconds to wait before the confirming fetch. */
    readonly confirmDelay: number;
  };
  /** Prometheus metrics on `http://<bind>:<port>/metrics` (off unless a port is set). */
  readonly metrics: {
    readonly port?: number;
    readonly bind: string;
  };
  /** When `/health` says the agent is unhealthy. */
  readonly health: {
    /** Seconds without word from Marathon (a sync, or the event stream connected) before it is. */
    readonly maxStateAge: number;
    /** Failed taps in a row before a handler counts as failing. */
    readonly handlerFailures: number;
  };
  readonly plugins: readonly PluginEntry[];
}

/** Where the config came from, for error messages and for resolving relative plugin paths. */
export interface ConfigSource {
  /** The file, if one was read. */
  readonly filepath?: string;
  /** Directory relative paths in the config resolve against (the file's, else the working directory). */
  readonly directory: string;
}

export interface LoadedConfig {
  readonly config: MmsdConfig;
  readonly source: ConfigSource;
}
