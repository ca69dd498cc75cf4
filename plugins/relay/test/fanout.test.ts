import test from 'ava';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@mmsd/core/testing';
import { EventFanout } from '../src/event-fanout.js';

async function fanoutServer(t: { teardown(fn: () => unknown): void }, maxOutstanding: number) {
  const dropped: string[] = [];
  const fanout = new EventFanout({ maxOutstanding, headers: () => ({}), dropped: (reason) => dropped.push(reason), readers: () => {} });
  const server = createServer((req, res) => fanout.attach(req, res, undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    fanout.close();
    server.close();
  });
  return { fanout, dropped, port: (server.address() as AddressInfo).port };
}

test('a reader that does not read is disconnected once it is maxOutstanding events behind; one that reads gets every event, in order', async (t) => {
  const { fanout, dropped, port } = await fanoutServer(t, 20);
  // The slow one: connected, then never reads.
  let slowClosed = false;
  let slowResponse: import('node:http').IncomingMessage | undefined;
  const slow = request({ host: '127.0.0.1', port, path: '/v2/events', headers: { Accept: 'text/event-stream' } }, (response) => {
    slowResponse = response;
    response.pause();
  });
  slow.on('socket', (socket) => socket.on('close', () => (slowClosed = true)));
  slow.on('error', () => {});
  slow.end();
  // The reader that keeps up.
  let text = '';
  const fast = request({ host: '127.0.0.1', port, path: '/v2/events', headers: { Accept: 'text/event-stream' } }, (response) => {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
  });
  fast.on('error', () => {});
  fast.end();
  t.teardown(() => {
    slow.destroy();
    fast.destroy();
  });
  await waitFor(() => fanout.size === 2, { what: 'two readers' });
  const payload = 'x'.repeat(64 * 1024);
  for (let i = 0; i < 400 && dropped.length === 0; i++) {
    fanout.hold({ eventType: 'status_update_event', n: i, payload });
    fanout.release();
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.deepEqual(dropped, ['slow']);
  t.is(fanout.size, 1, 'the reader that keeps up stays');
  // Once it reads again, the slow reader finds its connection reset (and would reconnect).
  slowResponse!.on('error', () => {});
  slowResponse!.resume();
  await waitFor(() => slowClosed, { what: 'the slow reader to see its connection end' });
  fanout.hold({ eventType: 'health_status_changed_event', last: true });
  fanout.release();
  await waitFor(() => text.includes('"last":true'), { what: 'the last event at the reader that keeps up' });
  const numbers = [...text.matchAll(/"n":(\d+)/g)].map((m) => Number(m[1]));
  t.deepEqual(numbers, numbers.map((_, i) => i), 'every event, in order');
});

test('events are held until released (the served state includes them); the relay\'s own stream events are not forwarded', async (t) => {
  const { fanout, port } = await fanoutServer(t, 100);
  let text = '';
  const reader = request({ host: '127.0.0.1', port, path: '/v2/events', headers: { Accept: 'text/event-stream' } }, (response) => {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
  });
  reader.on('error', () => {});
  reader.end();
  t.teardown(() => reader.destroy());
  await waitFor(() => text.includes('event_stream_attached'), { what: 'the attach event' });
  fanout.hold({ eventType: 'event_stream_attached', remoteAddress: '10.0.0.9' });
  fanout.hold({ eventType: 'status_update_event', taskId: 'a' });
  // A second reader's attach goes out at once: had the held event gone out, it would be before it.
  const second = request({ host: '127.0.0.1', port, path: '/v2/events', headers: { Accept: 'text/event-stream' } }, () => {});
  second.on('error', () => {});
  second.end();
  t.teardown(() => second.destroy());
  await waitFor(() => text.split('event_stream_attached').length === 3, { what: 'the second reader\'s attach' });
  t.false(text.includes('status_update_event'), 'held');
  fanout.release();
  await waitFor(() => text.includes('status_update_event'), { what: 'the released event' });
  t.false(text.includes('10.0.0.9'), "the relay's own attach to its Marathon is not its readers' business");
});
