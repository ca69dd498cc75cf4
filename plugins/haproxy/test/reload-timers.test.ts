import test from 'ava';
import { waitFor } from '@mmsd/core/testing';
import { ReloadTimers } from '../src/reload-timers.js';

test('a reload asked for with force runs forced, also when a plain one was asked for meanwhile; the next is plain again', async (t) => {
  const runs: boolean[] = [];
  const timers = new ReloadTimers({ minReloadInterval: 0, run: (force) => void runs.push(force), stopping: () => false });
  t.teardown(() => timers.stop());
  timers.schedule();
  timers.schedule(true);
  t.true(timers.scheduled);
  await waitFor(() => runs.length === 1, { what: 'the reload' });
  t.deepEqual(runs, [true], 'one reload for both, forced: the runtime API refused something');
  timers.schedule();
  await waitFor(() => runs.length === 2, { what: 'the next reload' });
  t.deepEqual(runs, [true, false]);
});

test('at most one reload per minReloadInterval; failed ones wait 1, 2, 4 … s; a reload that works ends the run of failures', (t) => {
  const timers = new ReloadTimers({ minReloadInterval: 60, run: () => t.fail('not in this test'), stopping: () => false });
  t.teardown(() => timers.stop());
  timers.reloaded();
  timers.schedule();
  t.true(timers.scheduled, 'held until the interval has passed');
  t.deepEqual([timers.failedOnce(), timers.failedOnce(), timers.failedOnce()], [1000, 2000, 4000]);
  t.is(timers.failed, 3);
  t.true(timers.reloaded(), 'it ends a run of failures');
  t.is(timers.failed, 0);
  t.false(timers.reloaded());
});
