import { join } from 'node:path';
import type { FileHelpers, RetryingFiles } from '@mmsd/core';

/** Hidden, so that readers globbing `*.instances` never see it. */
export const MANIFEST = '.mmsd-upstream-confd.json';

/**
 * The names of the files mmsd wrote into the directory, so that it removes only its own files
 * (files it did not write are left alone). A name is added before its file is created and
 * dropped after its file is removed, so a crash never leaves an unlisted file of ours behind
 * (a new file's write waits for the manifest while the manifest's save is pending).
 */
export class Manifest {
  private names = new Set<string>();
  private saved = '';

  constructor(
    private readonly dir: string,
    private readonly files: FileHelpers,
    private readonly writes: RetryingFiles,
  ) {}

  get path(): string {
    return join(this.dir, MANIFEST);
  }

  async load(): Promise<void> {
    const text = await this.files.read(this.path);
    if (!text) return;
    try {
      const parsed = JSON.parse(text) as { files?: unknown };
      if (Array.isArray(parsed.files)) this.names = new Set(parsed.files.filter((f): f is string => typeof f === 'string'));
      this.saved = text;
    } catch {
      // A damaged manifest only means we forget which old files were ours; they are left alone.
    }
  }

  /** Its latest save failed and is being retried. */
  get pending(): boolean {
    return this.writes.isPending(this.path);
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  list(): string[] {
    return [...this.names];
  }

  add(name: string): boolean {
    if (this.names.has(name)) return false;
    this.names.add(name);
    return true;
  }

  delete(name: string): boolean {
    return this.names.delete(name);
  }

  async save(): Promise<void> {
    const text = `${JSON.stringify({ files: [...this.names].sort() }, null, 1)}\n`;
    if (text === this.saved) return;
    // Saved or pending: a pending save is retried until it lands, or superseded by the next one.
    this.saved = text;
    await this.writes.write(this.path, text);
  }
}
