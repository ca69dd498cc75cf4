// @ts-check
import { join } from 'node:path';

/** @typedef {{ dir: string }} Options */

/**
 * The one render path: a pure function of the snapshot and the options.
 * `mmsd render` prints its result, `mmsd run` writes it.
 * @param {import('@mmsd/core').Snapshot} snapshot
 * @param {Options} options
 * @returns {import('@mmsd/core').Artifact}
 */
function render(snapshot, options) {
  const lines = [...snapshot.services.values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((s) => `${s.name} ${s.backends.filter((b) => b.health === 'up').length}`);
  return { plugin: 'service-count', path: join(options.dir, 'service-count.txt'), content: `${lines.join('\n')}\n` };
}

/** @type {import('@mmsd/core').MmsdPlugin<Options>} */
export default {
  name: 'service-count',
  mmsd: '^0.1.0',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['dir'],
    properties: { dir: { type: 'string', minLength: 1 } },
  },
  apply(hooks, ctx) {
    hooks.onRender.tap((artifacts, snapshot) => [...artifacts, render(snapshot, ctx.options)]);

    hooks.onSnapshot.tapPromise(async (snapshot, changes) => {
      // Only services matter here: skip batches that changed none (a resync usually changes nothing).
      if (!changes.initial && changes.services.length === 0) return;
      const file = render(snapshot, ctx.options);
      const outcome = await ctx.files.write(file.path, file.content); // atomic; untouched when equal
      if (outcome !== 'unchanged') ctx.log.info('%s %s', outcome, file.path);
    });

    hooks.onTaskChanged.tap((change) => {
      if (change.after?.health === 'down') ctx.log.warn('task %s of %s is down', change.taskId, change.appId);
    });
  },
};
