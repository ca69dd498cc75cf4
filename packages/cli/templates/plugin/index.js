// mmsd-plugin-__NAME__: an mmsd handler (https://github.com/mmsd/mmsd/blob/main/docs/plugins.md).
// It keeps one file in step with the cluster: a line per exposed service with its up backends,
// and logs every task change. Replace what it does; keep the shape.
import { dirname } from 'node:path';

/** @typedef {{ file: string }} Options */

/**
 * The file's content for a snapshot. One pure function of the snapshot and the options, for
 * both `mmsd render` (onRender) and `mmsd run` (onSnapshot): what you render is what runs.
 * @param {import('@mmsd/core').Snapshot} snapshot
 */
export function render(snapshot) {
  const lines = [];
  for (const service of [...snapshot.services.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const up = service.backends.filter((b) => b.health === 'up').map((b) => `${b.address ?? b.host}:${b.port}`);
    lines.push(`${service.name} ${service.servicePort} ${up.join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** @type {import('@mmsd/core').MmsdPlugin<Options>} */
const plugin = {
  name: '__NAME__',
  // The mmsd versions this plugin works with: checked when mmsd loads it.
  mmsd: '__RANGE__',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      file: { type: 'string', minLength: 1, default: '/var/run/mmsd/__NAME__.txt' },
    },
  },
  async apply(hooks, ctx) {
    const file = ctx.resolvePath(ctx.options.file);
    // Only `run` and `once` may act; `render` and `dump` must not touch anything.
    const acts = ctx.mode === 'run' || ctx.mode === 'once';
    if (acts) await ctx.files.ensureDirs([{ path: dirname(file), option: 'file' }]);
    hooks.onRender.tap((artifacts, snapshot) => [...artifacts, { plugin: ctx.name, path: file, content: render(snapshot) }]);
    hooks.onSnapshot.tapPromise(async (snapshot) => {
      if (!acts) return;
      try {
        await ctx.files.write(file, render(snapshot));
        ctx.health.ok();
      } catch (error) {
        ctx.health.failing(`cannot write ${file}: ${error.message}`);
        throw error;
      }
    });
    hooks.onTaskChanged.tap((change) => {
      ctx.log.info('task %s of %s %s (health %s)', change.taskId, change.appId, change.type, change.after?.health ?? 'gone');
    });
  },
};

export default plugin;
