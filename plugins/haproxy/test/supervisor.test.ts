import test from 'ava';
import FakeTimers from '@sinonjs/fake-timers';
import { Supervisor } from '../src/supervisor.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} } as never;

function harness() {
  const state = { running: true, alive: true, starts: 0, watches: 0, checks: 0, gone: undefined as (() => void) | undefined };
  const supervisor = new Supervisor({
    log: quiet,
    running: () => state.running,
    alive: async () => {
      state.checks++;
      return state.alive;
    },
    markDead: () => (state.running = false),
    ready: () => true,
    start: async () => {
      state.starts++;
      state.running = true;
      state.alive = true;
    },
    watch: (gone) => {
      state.watches++;
      state.gone = gone;
      return () => (state.gone = undefined);
    },
  });
  return { state, supervisor };
}

/** A supervisor on fake timers, begun, past its first check (it watches the master from then on). */
async function started(t: { teardown(fn: () => void): void }) {
  const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  t.teardown(() => clock.uninstall());
  const { state, supervisor } = harness();
  t.teardown(() => supervisor.stop());
  supervisor.begin();
  await clock.tickAsync(250);
  return { clock, state };
}

test.serial('a master that ends is started again as its watch closes, not at the next check', async (t) => {
  const { clock, state } = await started(t);
  t.is(state.watches, 1);
  // Nothing wakes it while HAProxy runs but the check every 5 s.
  const checks = state.checks;
  await clock.tickAsync(4999);
  t.is(state.checks, checks);
  state.alive = false;
  state.gone!();
  await clock.tickAsync(0);
  t.is(state.starts, 1, 'started again without a timer');
});

test.serial('a watch that closes at once is not renewed in a loop: once a second at most', async (t) => {
  const { clock, state } = await started(t);
  for (let i = 0; i < 20; i++) {
    state.gone?.();
    await clock.tickAsync(100);
  }
  t.true(state.watches <= 3, `${state.watches} watches in 2 s`);
  t.is(state.starts, 0, 'the master is alive: nothing started');
});
