import type { MmsdConfig } from '../config/types.js';

/** A file a handler would write: `mmsd render` prints it, `mmsd run` writes it. */
export interface Artifact {
  /** The plugin that rendered it. */
  readonly plugin: string;
  /** Absolute path where `run` writes it. */
  readonly path: string;
  readonly content: string;
  /** File mode, e.g. 0o644. */
  readonly mode?: number;
}

export type RunMode = 'run' | 'once' | 'render' | 'dump';

export interface StartContext {
  readonly mode: RunMode;
  readonly config: MmsdConfig;
}
