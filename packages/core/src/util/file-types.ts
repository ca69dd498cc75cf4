// The file contracts of the plugin API (re-exported by plugins/types.ts), here so that the
// file helpers do not import the plugin API that exposes them.

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

/** A file's content: text, or encoded pieces written in order with one writev (nothing joined). */
export type FileContent = string | readonly Uint8Array[];

export interface WriteOptions {
  /** File mode, e.g. 0o644. */
  mode?: number;
  /**
   * Compare with the file on disk first and leave it alone when equal (default true). A caller
   * that knows the content changed (it remembers what it wrote) saves the read with false.
   */
  compare?: boolean;
  /** fsync before the rename (default true): durable across a crash of the machine, slower. */
  fsync?: boolean;
}

/** A temp file removed by removeStaleTemps. */
export interface StaleTemp {
  readonly name: string;
  readonly bytes: number;
}
