import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChangeSet, FileHelpers, Logger, MetricsHelpers, PluginHealth, RetryingFiles, Service, Snapshot } from '@mmsd/core';
import { fileName, renderInstances } from './format.js';
import { MANIFEST, Manifest } from './manifest.js';

/** How many files are written at once when many change together (initial sync, big resyncs). */
const PARALLEL = 64;

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}

export interface WriterOptions {
  dir: string;
  mode: number;
  files: FileHelpers;
  log: Logger;
  metrics?: MetricsHelpers;
  /** The plugin's name, for the metrics (default upstream-confd). */
  owner?: string;
  health?: PluginHealth;
}

/** The files of ours that a killed mmsd may have left temp files of. */
const isOurFile = (name: string): boolean => name.endsWith('.instances') || name === MANIFEST;

/**
 * Keeps the directory in step with the snapshots: per batch it writes only the files of the
 * services that changed, and only when their content changed (it remembers what it wrote, so
 * a backend change that does not change the up set costs no I/O at all). A write or removal
 * that fails is kept and retried until it lands; a newer content of the file supersedes it.
 */
export class InstancesWriter {
  private readonly manifest: Manifest;
  private readonly writes: RetryingFiles;
  /** Content last written, found on disk, or pending (failed and being retried) per file name. */
  private readonly written = new Map<string, string>();
  private started = false;

  constructor(private readonly options: WriterOptions) {
    this.writes = options.files.retrying({
      owner: options.owner ?? 'upstream-confd',
      log: options.log,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.health ? { health: options.health } : {}),
    });
    this.manifest = new Manifest(options.dir, options.files, this.writes);
  }

  /** Shutdown: no more retries. */
  stop(): Promise<void> {
    return this.writes.stop();
  }

  async apply(snapshot: Snapshot, changes: ChangeSet): Promise<void> {
    if (!this.started || changes.initial) {
      await this.reconcile(snapshot);
      this.started = true;
      return;
    }
    const writes: Service[] = [];
    const removals: string[] = [];
    for (const change of changes.services) {
      if (change.after) writes.push(change.after);
      else removals.push(fileName(change.before!));
    }
    await this.write(writes);
    await this.remove(removals);
    if (changes.full) await this.resync(snapshot);
  }

  /**
   * After a full resync: files deleted by hand are written again, removals that failed are done
   * again (their names stay in the manifest until then), and every other pending write is retried now.
   */
  private async resync(snapshot: Snapshot): Promise<void> {
    await this.restoreMissing(snapshot);
    const wanted = new Set([...snapshot.services.values()].map(fileName));
    await this.remove(this.manifest.list().filter((name) => !wanted.has(name)));
    await this.writes.retryNow();
  }

  /** Every file of the snapshot written (unless equal on disk); our files of gone services removed. */
  private async reconcile(snapshot: Snapshot): Promise<void> {
    const started = performance.now();
    await mkdir(this.options.dir, { recursive: true });
    await this.manifest.load();
    const stale = await this.options.files.removeStaleTemps(this.options.dir, isOurFile);
    if (stale.length > 0) this.options.log.info('removed %d temp %s left by a killed mmsd in %s', stale.length, stale.length === 1 ? 'file' : 'files', this.options.dir);
    const present = new Set(await readdir(this.options.dir));
    this.written.clear();
    await this.write([...snapshot.services.values()], present);
    const wanted = new Set([...snapshot.services.values()].map(fileName));
    await this.remove(this.manifest.list().filter((name) => !wanted.has(name)));
    await this.manifest.save();
    this.options.log.info('%d upstream files in step in %s (%d ms)', wanted.size, this.options.dir, Math.round(performance.now() - started));
  }

  /** After a resync: files that vanished from the directory (deleted by hand) are written again. */
  private async restoreMissing(snapshot: Snapshot): Promise<void> {
    let present: Set<string>;
    try {
      present = new Set(await readdir(this.options.dir));
    } catch {
      present = new Set();
    }
    const missing = [...snapshot.services.values()].filter((s) => !present.has(fileName(s)));
    if (missing.length === 0) return;
    this.options.log.warn('%d upstream files were missing from %s; writing them again', missing.length, this.options.dir);
    for (const service of missing) this.written.delete(fileName(service));
    await this.write(missing);
  }

  /**
   * Writes the files of `services` whose content differs from what was last written. With
   * `onDisk` (the directory's listing), existing files are compared with their content on disk
   * first, and left untouched when equal.
   */
  private async write(services: readonly Service[], onDisk?: ReadonlySet<string>): Promise<void> {
    const pending: [string, string][] = [];
    for (const service of services) {
      const name = fileName(service);
      const content = renderInstances(service);
      if (!onDisk && this.written.get(name) === content) continue;
      pending.push([name, content]);
    }
    if (pending.length === 0) return;
    const added = new Set(pending.filter(([name]) => this.manifest.add(name)).map(([name]) => name));
    if (added.size > 0) await this.manifest.save();
    await inParallel(pending, async ([name, content]) => {
      // These are runtime files, rebuilt at every start: no fsync; the rename keeps readers safe.
      const outcome = await this.writes.write(join(this.options.dir, name), content, {
        mode: this.options.mode,
        fsync: false,
        compare: onDisk ? onDisk.has(name) : !this.written.has(name),
        ...(added.has(name) || this.manifest.pending ? { after: this.manifest.path } : {}),
      });
      // Pending too: it lands later, or a newer content supersedes it.
      this.written.set(name, content);
      if (outcome !== 'unchanged' && outcome !== 'pending') this.options.log.debug('%s %s', outcome, name);
    });
  }

  private async remove(names: readonly string[]): Promise<void> {
    const ours = names.filter((name) => this.manifest.has(name));
    if (ours.length === 0) return;
    await inParallel(ours, async (name) => {
      const outcome = await this.writes.remove(join(this.options.dir, name));
      this.written.delete(name);
      if (outcome === 'pending') return;
      if (outcome) this.options.log.debug('removed %s', name);
      this.manifest.delete(name);
    });
    await this.manifest.save();
  }
}
