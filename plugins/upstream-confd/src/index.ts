import { join } from 'node:path';
import type { Artifact, MmsdPlugin, Snapshot } from '@mmsd/core';
import { fileName, renderInstances } from './format.js';
import { InstancesWriter } from './writer.js';

export interface UpstreamConfdOptions {
  /** Directory of the files (relative paths resolve against the config file's directory). */
  dir: string;
  /** File mode of the files (default 0o644). */
  mode: number;
}

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dir: { type: 'string', minLength: 1, default: '/var/run/mmsd/confd' },
    mode: { type: 'integer', minimum: 0, maximum: 0o777, default: 0o644 },
  },
};

/** The files of every exposed service: what `render` prints and `run` writes. */
export function renderUpstreamFiles(snapshot: Snapshot, dir: string, mode = 0o644): Artifact[] {
  return [...snapshot.services.values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((service) => ({ plugin: 'upstream-confd', path: join(dir, fileName(service)), content: renderInstances(service), mode }));
}

/**
 * mmsd's upstream-confd handler: keeps one `<service>.instances` file per exposed service in
 * `dir`, listing the host:port of its up tasks. Writes are atomic and only happen when a
 * file's content changes; files of services that go away are removed; other files are left alone.
 * A write that fails (full disk, I/O error) is retried until it lands.
 */
const upstreamConfd: MmsdPlugin<UpstreamConfdOptions> = {
  name: 'upstream-confd',
  mmsd: '^0.1.0',
  optionsSchema,
  async apply(hooks, ctx) {
    const dir = ctx.resolvePath(ctx.options.dir);
    if (ctx.mode === 'run' || ctx.mode === 'once') await ctx.files.ensureDirs([{ path: dir, option: 'upstream-confd dir' }]);
    hooks.onRender.tap((artifacts, snapshot) => [...artifacts, ...renderUpstreamFiles(snapshot, dir, ctx.options.mode)]);
    const writer = new InstancesWriter({ dir, mode: ctx.options.mode, files: ctx.files, log: ctx.log, metrics: ctx.metrics, owner: ctx.name, health: ctx.health });
    hooks.onStart.tap(() => ctx.log.info('writing upstream files into %s', dir));
    hooks.onSnapshot.tapPromise((snapshot, changes) => writer.apply(snapshot, changes));
    hooks.onShutdown.tapPromise(() => writer.stop());
  },
};

export default upstreamConfd;
export { fileName, renderInstances } from './format.js';
export { MANIFEST } from './manifest.js';
