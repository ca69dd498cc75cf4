import test from 'ava';
import { createHooks, pluginContext, scopeHooks, snapshotOf } from '@mmsd/core/testing';
import plugin from './index.js';

test('one line per service with its up backends', async (t) => {
  const hooks = createHooks();
  const ctx = pluginContext({ dir: '/tmp' }, { name: 'service-count' });
  await plugin.apply(scopeHooks(hooks, ctx.name), ctx);
  const snapshot = snapshotOf([{ id: '/web', labels: {}, portDefinitions: [{ port: 10001 }], tasks: [] }]);
  const [file] = await hooks.onRender.promise([], snapshot);
  t.is(file.path, '/tmp/service-count.txt');
  t.is(file.content, 'web 0\n');
});
