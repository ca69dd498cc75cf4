// The plugin API, types only: what a plugin is, what `apply` gets (docs/writing-a-plugin.md).
import type { MmsdConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { MarathonReader } from '../marathon/client.js';
import type { MarathonApp } from '../marathon/types.js';
import type { App, Snapshot } from '../model/types.js';
import type { PluginHooks } from './hooks.js';
import type { RunMode } from './hook-types.js';
import type { FileContent, RetryingFiles, RetryingFilesOptions, StaleTemp, WriteOptions, WriteOutcome } from '../util/file-types.js';
import type { MetricsHelpers } from '../util/metric-types.js';

export type { Artifact, RunMode, StartContext } from './hook-types.js';
export type { FileContent, RetryingFiles, RetryingFilesOptions, RetryingWriteOptions, StaleTemp, WriteOptions, WriteOutcome } from '../util/file-types.js';
export type { Counter, Gauge, Histogram, MetricsHelpers } from '../util/metric-types.js';
import type { RuntimeDir } from '../util/dirs.js';
export type { RuntimeDir } from '../util/dirs.js';

/** File helpers that keep readers safe: writes are atomic (temp file + rename in the same directory). */
export interface FileHelpers {
  /** Writes atomically unless the file already has exactly this content (its mtime then stays). */
  write(path: string, content: FileContent, options?: WriteOptions): Promise<WriteOutcome>;
  /** Removes a file; true if it existed. */
  remove(path: string): Promise<boolean>;
  /** The file's content, or undefined if it does not exist. */
  read(path: string): Promise<string | undefined>;
  /**
   * Removes the temp files that writes of a killed process left in `dir` (`.<name>.tmp-<pid>-<n>`,
   * for the names `owns` accepts, never anyone else's), e.g. at start; returns what it removed.
   */
  removeStaleTemps(dir: string, owns: (name: string) => boolean): Promise<StaleTemp[]>;
  /**
   * Writes and removals that are kept and retried with backoff until they land when they fail
   * (full disk, I/O error, permissions), each failure and recovery logged once and counted in
   * `mmsd_file_writes_pending{plugin}` and `mmsd_file_write_failures_total{plugin,code}`.
   * Stop it in onShutdown.
   */
  retrying(options: RetryingFilesOptions): RetryingFiles;
  /**
   * Creates the directories a plugin will write into (sockets, pid, state, logs), or rejects
   * with a coded error naming the path and the option that chose it. Await it in `apply()` in
   * `run` mode: mmsd then refuses to start rather than retry something that cannot work.
   */
  ensureDirs(dirs: readonly RuntimeDir[], mode?: number): Promise<void>;
}

export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without a shell, with an argument array (never a command line to parse). */
export type Exec = (file: string, args: readonly string[], options?: { timeout?: number; input?: string }) => Promise<ExecResult>;

/**
 * What a handler says of itself on mmsd's `/health` (and in `mmsd status`): `failing` while
 * something it must do keeps failing (its program refuses the config, cannot start, writes do
 * not land), `ok` once it works again. A failing handler makes the agent unhealthy. Taps that
 * throw are counted without it (`health.handlerFailures` in a row make a handler failing).
 */
export interface PluginHealth {
  ok(): void;
  failing(reason: string): void;
}

/** Everything a plugin gets from mmsd at run time (it must not import @mmsd/core at run time). */
export interface PluginContext<Options = Record<string, unknown>> {
  /** The plugin's name, as its taps are named. */
  readonly name: string;
  /** Its options, validated against its `optionsSchema` and with the schema's defaults filled in. */
  readonly options: Readonly<Options>;
  /** Logs under `mmsd:plugin:<name>:<level>`. */
  readonly log: Logger;
  readonly config: MmsdConfig;
  /** Directory of the config file (relative option paths resolve against it). */
  readonly configDir: string;
  /** An option that is a path, made absolute: a relative one is relative to the config file's directory. */
  resolvePath(path: string): string;
  /** `run` and `once` may act; `render` and `dump` must not touch anything. */
  readonly mode: RunMode;
  readonly marathon: MarathonReader;
  readonly files: FileHelpers;
  readonly exec: Exec;
  readonly metrics: MetricsHelpers;
  readonly health: PluginHealth;
  /** The last published snapshot. */
  getSnapshot(): Snapshot;
  /**
   * An app of the model as Marathon's app JSON (1.5 and later, tasks embedded), which mmsd reads
   * back into an equal App: for plugins that serve Marathon's API (the relay).
   */
  toMarathonApp(app: App): MarathonApp;
}

/** A JSON schema (draft-07) for a plugin's options. */
export type OptionsSchema = Record<string, unknown>;

/** What a plugin package exports by default. */
export interface MmsdPlugin<Options = Record<string, unknown>> {
  readonly name: string;
  /** The mmsd versions it works with, a semver range (`"^0.1"`): checked when it is loaded. */
  readonly mmsd?: string;
  readonly optionsSchema?: OptionsSchema;
  /** Taps hooks; must not act yet (act in onStart / onSnapshot, which `render` never calls). */
  apply(hooks: PluginHooks, ctx: PluginContext<Options>): void | Promise<void>;
}
