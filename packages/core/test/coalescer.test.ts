import test from 'ava';
import FakeTimers from '@sinonjs/fake-timers';
import { Coalescer } from '../src/state/coalescer.js';

function setup(window = 50, maxWait = 250, flushMs = 0) {
  const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'setImmediate'] });
  const flushes: number[] = [];
  let running = 0;
  let overlapped = false;
  const coalescer = new Coalescer({
    window,
    maxWait,
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

test.serial('an isolated change is flushed at once', async (t) => {
  const { clock, flushes, coalescer } = setup();
  coalescer.notify();
  await clock.tickAsync(0);
  t.deepEqual(flushes, [0]);
  await clock.tickAsync(1000);
  t.deepEqual(flushes, [0], 'nothing more without changes');
  coalescer.notify();
  await clock.tickAsync(0);
  t.deepEqual(flushes, [0, 1000], 'another isolated change, later, is flushed at once too');
  clock.uninstall();
});

test.serial('changes that follow within the window are flushed together when the burst pauses', async (t) => {
  const { clock, flushes, coalescer } = setup(50, 250);
  coalescer.notify(); // t=0, flushed at once
  await clock.tickAsync(10);
  coalescer.notify(); // t=10
  await clock.tickAsync(20);
  coalescer.notify(); // t=30
  await clock.tickAsync(20);
  coalescer.notify(); // t=50
  await clock.tickAsync(49);
  t.deepEqual(flushes, [0], 'held back while the burst goes on');
  await clock.tickAsync(1);
  t.deepEqual(flushes, [0, 100], 'one flush 50 ms after the last change');
  clock.uninstall();
});

test.serial('a continuous burst is flushed at least every maxWait', async (t) => {
  const { clock, flushes, coalescer } = setup(50, 200);
  for (let i = 0; i < 60; i++) {
    coalescer.notify();
    await clock.tickAsync(10);
  }
  await clock.tickAsync(500);
  t.is(flushes[0], 0);
  for (let i = 1; i < flushes.length; i++) t.true(flushes[i]! - flushes[i - 1]! <= 200 + 50, `gap ${flushes[i]! - flushes[i - 1]!}`);
  t.true(flushes.length >= 3 && flushes.length <= 6, `${flushes.length} flushes for 60 changes`);
  clock.uninstall();
});

test.serial('flushes never overlap; changes during a slow flush are flushed after it', async (t) => {
  const { clock, flushes, coalescer, overlapped } = setup(0, 0, 100);
  coalescer.notify();
  await clock.tickAsync(10);
  coalescer.notify();
  coalescer.notify();
  await clock.tickAsync(500);
  t.false(overlapped());
  t.deepEqual(flushes, [0, 100]);
  clock.uninstall();
});

test.serial('window 0 flushes every change at once', async (t) => {
  const { clock, flushes, coalescer } = setup(0, 0);
  coalescer.notify();
  await clock.tickAsync(5);
  coalescer.notify();
  await clock.tickAsync(0);
  t.deepEqual(flushes, [0, 5]);
  clock.uninstall();
});

test.serial('flushNow flushes whatever the window says', async (t) => {
  const { clock, flushes, coalescer } = setup(50, 250);
  coalescer.notify();
  await clock.tickAsync(10);
  coalescer.notify();
  await coalescer.flushNow();
  t.deepEqual(flushes, [0, 10]);
  await clock.tickAsync(1000);
  t.deepEqual(flushes, [0, 10], 'the held-back change was part of flushNow');
  coalescer.notify();
  await clock.tickAsync(0);
  t.deepEqual(flushes, [0, 10, 1010], 'a flushNow does not hold back the next isolated change');
  clock.uninstall();
});
