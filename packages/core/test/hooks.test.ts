import test from 'ava';
import type { HookFailure } from '../src/plugins/hooks.js';
import { createHooks, scopeHooks } from '../src/plugins/hooks.js';
import type { Artifact, StartContext } from '../src/plugins/api.js';
import type { Snapshot } from '../src/model/types.js';

const snapshot = {} as Snapshot;
const start = { mode: 'run' } as StartContext;

function hooksWithFailures(tapTimeout?: number) {
  const failures: HookFailure[] = [];
  const hooks = createHooks({ onFailure: (f) => failures.push(f), ...(tapTimeout ? { tapTimeout } : {}) });
  return { hooks, failures };
}

test('the hooks object is frozen', (t) => {
  const { hooks } = hooksWithFailures();
  t.true(Object.isFrozen(hooks));
  t.throws(() => {
    (hooks as unknown as Record<string, unknown>).onSomething = 1;
  });
});

test('a tap that throws, one that rejects and one whose callback errs are isolated; the others run', async (t) => {
  const { hooks, failures } = hooksWithFailures();
  const ran: string[] = [];
  hooks.onStart.tap('a', () => {
    ran.push('a');
    throw new Error('sync boom');
  });
  hooks.onStart.tapPromise('b', async () => {
    ran.push('b');
    throw new Error('async boom');
  });
  hooks.onStart.tapAsync('c', (_ctx, callback) => {
    ran.push('c');
    callback(new Error('callback boom'));
  });
  hooks.onStart.tap('d', () => {
    ran.push('d');
  });
  await t.notThrowsAsync(hooks.onStart.promise(start));
  t.deepEqual(ran, ['a', 'b', 'c', 'd'], 'in tap order');
  t.deepEqual(
    failures.map((f) => [f.hook, f.plugin, f.error.code]),
    [
      ['onStart', 'a', 'EMMSD_HOOK_FAILED'],
      ['onStart', 'b', 'EMMSD_HOOK_FAILED'],
      ['onStart', 'c', 'EMMSD_HOOK_FAILED'],
    ],
  );
  t.regex(failures[1]!.error.message, /plugin "b" failed in onStart: async boom/);
  t.is((failures[0]!.error.cause as Error).message, 'sync boom');
});

test('a tap that hangs is abandoned after the tap timeout', async (t) => {
  const { hooks, failures } = hooksWithFailures(50);
  const ran: string[] = [];
  hooks.onShutdown.tapPromise('slow', () => new Promise(() => {}));
  hooks.onShutdown.tap('next', () => {
    ran.push('next');
  });
  await hooks.onShutdown.promise();
  t.deepEqual(ran, ['next']);
  t.is(failures[0]?.error.code, 'EMMSD_HOOK_TIMEOUT');
});

test('onRender is a waterfall; a failing handler passes the artifacts on unchanged', async (t) => {
  const { hooks, failures } = hooksWithFailures();
  hooks.onRender.tap('one', (artifacts) => [...artifacts, { plugin: 'one', path: '/a', content: 'a' }]);
  hooks.onRender.tapPromise('broken', async () => {
    throw new Error('no');
  });
  hooks.onRender.tapPromise('two', async (artifacts) => [...artifacts, { plugin: 'two', path: '/b', content: 'b' }]);
  const artifacts: Artifact[] = await hooks.onRender.promise([], snapshot);
  t.deepEqual(artifacts.map((a) => a.path), ['/a', '/b']);
  t.is(failures.length, 1);
});

test('scoped hooks: taps carry the plugin name, whatever name the plugin gives', async (t) => {
  const { hooks, failures } = hooksWithFailures();
  const scoped = scopeHooks(hooks, 'haproxy');
  scoped.onStart.tap('some-other-name', () => {
    throw new Error('x');
  });
  scoped.onStart.tap({ name: 'x', stage: 1 }, () => {});
  // The name may be left out: the host fills it in.
  let seen: unknown;
  scoped.onSnapshot.tapPromise(async (snapshot) => {
    seen = snapshot.version;
  });
  t.deepEqual(hooks.onStart.taps.map((tap) => tap.name), ['haproxy', 'haproxy']);
  t.deepEqual(hooks.onSnapshot.taps.map((tap) => tap.name), ['haproxy']);
  await hooks.onStart.promise(start);
  t.is(failures[0]?.plugin, 'haproxy');
  await hooks.onSnapshot.promise({ version: 7 } as never, {} as never);
  t.is(seen, 7);
});

test('isUsed: a hook is used once a plugin tapped it (the host\'s own interceptor does not count)', (t) => {
  const { hooks } = hooksWithFailures();
  const scoped = scopeHooks(hooks, 'relay');
  t.false(hooks.onMarathonEvent.isUsed());
  t.false(scoped.onMarathonEvent.isUsed());
  scoped.onMarathonEvent.tap(() => {});
  t.true(hooks.onMarathonEvent.isUsed());
  t.true(scoped.onMarathonEvent.isUsed(), 'a plugin asks the same');
  t.false(hooks.onAppChanged.isUsed());
});

test('scoped hooks: a plugin cannot call or intercept the hooks', (t) => {
  const { hooks } = hooksWithFailures();
  // PluginHooks has no call methods; a plugin in plain JavaScript can still try.
  const scoped = scopeHooks(hooks, 'p') as unknown as typeof hooks;
  t.throws(() => scoped.onStart.promise(start), { message: /may only tap onStart/ });
  t.throws(() => scoped.onStart.intercept({}), { message: /may only tap/ });
  t.true(Object.isFrozen(scoped));
});
