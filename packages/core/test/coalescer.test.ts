import test from 'ava';
import FakeTimers from '@sinonjs/fake-timers';
import { Coalescer } from '../src/publish/coalescer.js';

function setup(minInterval = 0, flushMs = 0) {
  const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'setImmediate', 'clearImmediate'] });
  const flushes: number[] = [];
  let running = 0;
  let overlapped = false;
  const coalescer = new Coalescer({
    minInterval,
    flush: async () => {
      running++;
      if (running > 1) overlapped = true;
      flushes.push(Date.now());
      if (flushMs) await new Promise((resolve) => setTimeout(resolve, flushMs));
      running--;
    },
  });
  return { clock, flushes, coalescer, overlapped: () => overlapped };
}

test.serial('a change when nothing is published goes out at once, after the changes of the same tick', async (t) => {
  const { clock, flushes, coalescer } = setup();
  coalescer.notify();
  coalescer.notify(); // the health result right behind a status update, in one chunk
  t.deepEqual(flushes, [], 'not within the tick of the change');
  await clock.tickAsync(0);
  t.deepEqual(flushes, [0], 'one publish for both, with no clock window');
  await clock.tickAsync(1000);
  t.deepEqual(flushes, [0], 'nothing more without changes');
  coalescer.notify();
  await clock.tickAsync(0);
  t.deepEqual(flushes, [0, 1000]);
  clock.uninstall();
});

test.serial('changes during a slow publish accumulate and go out the moment it ends, as one', async (t) => {
  const { clock, flushes, coalescer, overlapped } = setup(0, 100);
  coalescer.notify();
  await clock.tickAsync(10);
  for (let i = 0; i < 50; i++) coalescer.notify();
  await clock.tickAsync(89);
  t.deepEqual(flushes, [0]);
  await clock.tickAsync(1);
  t.deepEqual(flushes, [0, 100], 'the second publish starts as the first ends');
  await clock.tickAsync(500);
  t.deepEqual(flushes, [0, 100]);
  t.false(overlapped());
  clock.uninstall();
});

test.serial('a steady stream is published as fast as publishes finish: batching follows the load', async (t) => {
  const { clock, flushes, coalescer } = setup(0, 20);
  for (let i = 0; i < 100; i++) {
    coalescer.notify();
    await clock.tickAsync(2);
  }
  await clock.tickAsync(100);
  for (let i = 1; i < flushes.length; i++) t.is(flushes[i]! - flushes[i - 1]!, 20, 'back to back, never waiting for a clock');
  t.is(flushes.length, 11);
  clock.uninstall();
});

test.serial('coalesce > 0: publishes start at least that many ms apart; an isolated change still goes out at once', async (t) => {
  const { clock, flushes, coalescer } = setup(50);
  coalescer.notify();
  await clock.tickAsync(10);
  coalescer.notify();
  await clock.tickAsync(20);
  coalescer.notify();
  await clock.tickAsync(19);
  t.deepEqual(flushes, [0]);
  await clock.tickAsync(1);
  t.deepEqual(flushes, [0, 50]);
  await clock.tickAsync(1000);
  coalescer.notify();
  await clock.tickAsync(0);
  t.deepEqual(flushes, [0, 50, 1050]);
  clock.uninstall();
});

test.serial('flushNow publishes whatever the interval says, and holds nothing back', async (t) => {
  const { clock, flushes, coalescer } = setup(5000);
  coalescer.notify();
  await clock.tickAsync(10);
  coalescer.notify();
  await coalescer.flushNow();
  t.deepEqual(flushes, [0, 10]);
  await clock.tickAsync(10_000);
  t.deepEqual(flushes, [0, 10], 'the pending change was part of flushNow');
  clock.uninstall();
});

test.serial('stop: nothing is published after it', async (t) => {
  const { clock, flushes, coalescer } = setup(50);
  coalescer.notify();
  await clock.tickAsync(10);
  coalescer.notify();
  coalescer.stop();
  await clock.tickAsync(1000);
  t.deepEqual(flushes, [0]);
  clock.uninstall();
});

test.serial('flushNow during a publish publishes right after it, whatever the interval says', async (t) => {
  const { clock, flushes, coalescer } = setup(5000, 100);
  coalescer.notify();
  await clock.tickAsync(10);
  coalescer.notify();
  let done = false;
  void coalescer.flushNow().then(() => (done = true));
  await clock.tickAsync(200);
  t.deepEqual(flushes, [0, 100], 'the second publish follows the first, not 5 s later');
  t.true(done);
  clock.uninstall();
});
