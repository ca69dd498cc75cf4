import test from 'ava';
import { AgentHealth } from '../src/health.js';
import { createHooks } from '../src/plugins/hooks.js';
import type { Snapshot } from '../src/model/types.js';

const empty: Snapshot = { apps: new Map(), services: new Map(), excluded: new Map(), version: 0 };

function clocked(options: { maxStateAge?: number; handlerFailures?: number } = {}) {
  let now = Date.parse('2026-12-02T12:00:00Z');
  const health = new AgentHealth({
    maxStateAge: () => options.maxStateAge ?? 60,
    handlerFailures: () => options.handlerFailures ?? 3,
    snapshot: () => empty,
    marathon: () => ({ endpoint: 'http://marathon:8080', mode: 'events' }),
    version: '1.2.3',
    now: () => now,
  });
  return { health, advance: (seconds: number) => (now += seconds * 1000) };
}

test('starting until a state; the stream keeps it at age 0; once lost it ages from then, and past the bound it is unhealthy', (t) => {
  const { health, advance } = clocked({ maxStateAge: 60 });
  t.is(health.report().status, 'starting');
  t.is(health.report().stateAge, null);
  health.streamOpened();
  health.synced();
  advance(500);
  t.like(health.report(), { status: 'ok', stateAge: 0, marathon: { endpoint: 'http://marathon:8080', mode: 'events', streamConnected: true } });
  health.streamLost();
  advance(30);
  t.like(health.report(), { status: 'ok', stateAge: 30 });
  advance(31);
  const stale = health.report();
  t.is(stale.status, 'unhealthy');
  t.deepEqual(stale.reasons, ['Marathon has not confirmed the state for 61 s (health.maxStateAge: 60 s); mmsd serves the last state it knows']);
  health.synced();
  t.like(health.report(), { status: 'ok', stateAge: 0 }, 'a sync confirms it (poll mode, or a resync without the stream)');
});

test('a state from the file is as old as its syncedAt says', (t) => {
  const { health } = clocked({ maxStateAge: 60 });
  health.restored('2026-12-02T11:58:00Z');
  t.like(health.report(), { status: 'unhealthy', stateAge: 120, syncedAt: '2026-12-02T11:58:00.000Z' });
});

test('a handler fails after handlerFailures failed taps in a row, or at once when it says so; one success or its ok clears it', (t) => {
  const { health, advance } = clocked({ handlerFailures: 2 });
  health.synced();
  health.streamOpened();
  health.handlersAre(['a', 'b']);
  health.tapFailed('a', 'boom');
  t.is(health.report().status, 'ok', 'one failure is not a failing handler');
  advance(1);
  health.tapFailed('a', 'boom again');
  t.like(health.report().handlers[0], { plugin: 'a', state: 'failing', reason: '2 failures in a row, the last: boom again', failuresInARow: 2, since: '2026-12-02T12:00:01.000Z' });
  health.tapSucceeded('a');
  t.like(health.report().handlers[0], { state: 'ok', failuresInARow: 0 });
  health.reported('b', 'failing', 'disk full');
  t.deepEqual(health.report().reasons, ['handler b is failing: disk full']);
  health.tapSucceeded('b');
  t.is(health.report().status, 'unhealthy', 'a tap that succeeds does not clear what the handler says');
  health.reported('b', 'ok');
  t.is(health.report().status, 'ok');
  health.handlersAre(['a']);
  t.deepEqual(health.report().handlers.map((h) => h.plugin), ['a'], 'plugins gone after a reload are forgotten');
});

test('the last 20 problems are kept', (t) => {
  const { health } = clocked();
  for (let i = 0; i < 25; i++) health.logged({ at: `t${i}`, level: 'warn', component: 'x', message: `m${i}` });
  const problems = health.report().lastProblems;
  t.is(problems.length, 20);
  t.is(problems[0]!.message, 'm5');
});

test('hooks report each tap that succeeds, of every kind, by plugin', async (t) => {
  const seen: string[] = [];
  const hooks = createHooks({ onSuccess: (hook, plugin) => seen.push(`${hook} ${plugin}`), onFailure: (f) => seen.push(`failed ${f.plugin}`) });
  hooks.onShutdown.tap('sync', () => {});
  hooks.onShutdown.tapPromise('promise', async () => {});
  hooks.onShutdown.tapAsync('callback', (done: () => void) => done());
  hooks.onShutdown.tap('thrower', () => {
    throw new Error('no');
  });
  await hooks.onShutdown.promise();
  t.deepEqual(seen, ['onShutdown sync', 'onShutdown promise', 'onShutdown callback', 'failed thrower']);
});
