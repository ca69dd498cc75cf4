import test from 'ava';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { MarathonSimulator, sampleApps } from '@mmsd/marathon-sim';
import { MarathonClient } from '../src/marathon/client.js';
import { MarathonEventStream } from '../src/marathon/event-stream.js';
import type { MarathonEvent } from '../src/marathon/types.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { fixture } from './helpers.js';
import { selfSignedCertificate } from '../../../test/helpers/backends.js';
import { tempDir } from '../../../test/helpers/tmp.js';

/** A server that answers /v2/events with `body` (raw bytes), then keeps the connection open; `seen`: the requests to /v2/events. */
async function rawEventServer(body: string | Buffer, headers: Record<string, string> = {}) {
  const seen: Record<string, string | undefined>[] = [];
  const server = createServer((request, response) => {
    if (request.url?.startsWith('/ping')) {
      response.end('pong');
      return;
    }
    seen.push({ accept: request.headers.accept, authorization: request.headers.authorization });
    response.setHeader('Content-Type', 'text/event-stream;charset=utf-8');
    response.setHeader('Connection', 'close');
    for (const [k, v] of Object.entries(headers)) response.setHeader(k, v);
    response.removeHeader('Transfer-Encoding');
    response.writeHead(200);
    response.write(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

function stream(endpoints: string[], options: Partial<ConstructorParameters<typeof MarathonEventStream>[0]> = {}) {
  const events: MarathonEvent[] = [];
  let opens = 0;
  let garbage = 0;
  const s = new MarathonEventStream({
    client: new MarathonClient({ endpoints, ...(options as { auth?: never }) }),
    backoff: { min: 20, max: 100 },
    onEvent: (e) => events.push(e),
    onOpen: () => opens++,
    onGarbage: () => garbage++,
    ...options,
  });
  return { s, events, opens: () => opens, garbage: () => garbage };
}

test('the recorded Marathon 1.10 stream (CRLF frames, bare-CRLF heartbeats) yields all its events, in order', async (t) => {
  const bytes = readFileSync(fixture('events.sse'));
  const expected = bytes
    .toString('utf8')
    .split('\r\n')
    .filter((l) => l.startsWith('event: '))
    .map((l) => l.slice(7));
  const server = await rawEventServer(bytes);
  t.teardown(() => server.close());
  const { s, events, opens } = stream([server.url]);
  s.start();
  t.teardown(() => s.stop());
  await waitFor(() => events.length === expected.length, { what: `${expected.length} events` });
  t.deepEqual(events.map((e) => e.eventType), expected);
  t.is(opens(), 1);
  t.is(server.seen[0]!.accept, 'text/event-stream', 'exactly, or Marathon answers 405');
});

test('Marathon 0.9/0.10 data-only frames are received too', async (t) => {
  const body = 'data: {"eventType":"status_update_event","appId":"/a","taskId":"t","taskStatus":"TASK_RUNNING"}\r\n\r\n';
  const server = await rawEventServer(body);
  t.teardown(() => server.close());
  const { s, events } = stream([server.url]);
  s.start();
  t.teardown(() => s.stop());
  await waitFor(() => events.length === 1);
  t.is(events[0]!.eventType, 'status_update_event');
});

test('an event that is not JSON is reported, not applied', async (t) => {
  const server = await rawEventServer('event: status_update_event\r\ndata: {nope\r\n\r\n');
  t.teardown(() => server.close());
  const { s, events, garbage } = stream([server.url]);
  s.start();
  t.teardown(() => s.stop());
  await waitFor(() => garbage() === 1);
  t.is(events.length, 0);
});

test('a dead stream (no heartbeat) is dropped after the timeout and reconnected', async (t) => {
  const sim = await MarathonSimulator.start({ heartbeatInterval: 50 });
  t.teardown(() => sim.close());
  const { s, opens } = stream([sim.url], { deadAfter: 300 });
  s.start();
  t.teardown(() => s.stop());
  await waitFor(() => opens() === 1);
  await delay(500);
  t.is(opens(), 1, 'heartbeats keep a quiet stream alive');
  sim.setFaults({ silentStream: true });
  await waitFor(() => opens() >= 2, { timeout: 5000, what: 'a reconnect' });
  t.pass();
});

test('a dropped stream reconnects (and says so, for the resync)', async (t) => {
  const sim = await MarathonSimulator.start();
  t.teardown(() => sim.close());
  const { s, opens, events } = stream([sim.url]);
  s.start();
  t.teardown(() => s.stop());
  await waitFor(() => opens() === 1);
  sim.dropStreams();
  await waitFor(() => opens() === 2, { what: 'the reconnect' });
  sim.loadApps(sampleApps());
  await sim.scaleApp('/developer/trapni/php', 3);
  await waitFor(() => events.some((e) => e.eventType === 'deployment_success'));
  t.true(events.some((e) => e.eventType === 'status_update_event'));
});

test('a standby redirects /v2/events to the leader: followed, with the credentials kept', async (t) => {
  const leader = await MarathonSimulator.start({ auth: { basic: 'u:p' } });
  const standby = await MarathonSimulator.start({ auth: { basic: 'u:p' } });
  t.teardown(async () => {
    await leader.close();
    await standby.close();
  });
  standby.setFaults({ redirectEventsTo: leader.url });
  const events: MarathonEvent[] = [];
  const s = new MarathonEventStream({
    client: new MarathonClient({ endpoints: [standby.url], auth: { basic: 'u:p' } }),
    backoff: { min: 20, max: 100 },
    onEvent: (e) => events.push(e),
    onOpen: () => {},
  });
  s.start();
  t.teardown(() => s.stop());
  await waitFor(() => leader.hub.size === 1, { what: 'a stream on the leader' });
  t.true(standby.requests.some((r) => r.path.startsWith('/v2/events')));
  leader.emit({ eventType: 'app_terminated_event', appId: '/x' });
  await waitFor(() => events.some((e) => e.eventType === 'app_terminated_event'));
  t.pass();
});

test('endpoints rotate when one cannot give a stream', async (t) => {
  const broken = await MarathonSimulator.start();
  const good = await MarathonSimulator.start();
  t.teardown(async () => {
    await broken.close();
    await good.close();
  });
  broken.setFaults({ eventsStatus: 503 });
  const { s, opens } = stream([broken.url, good.url]);
  s.start();
  t.teardown(() => s.stop());
  await waitFor(() => opens() === 1);
  t.is(good.hub.size, 1);
});

test('the stream is one request of its own: no /ping before it, and no fetch', async (t) => {
  const sim = await MarathonSimulator.start();
  t.teardown(() => sim.close());
  const { s } = stream([sim.url]);
  t.teardown(() => s.stop());
  s.start();
  await waitFor(() => sim.hub.size === 1);
  t.deepEqual(sim.requests.map((r) => r.path), ['/v2/events?plan-format=light']);
});

test('an answer that is not an event stream (a 405, an HTML page) is a failed connection, retried', async (t) => {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end('<html>not here</html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const reasons: string[] = [];
  const { s, opens } = stream([`http://127.0.0.1:${(server.address() as AddressInfo).port}`], { onReconnect: (reason) => reasons.push(reason) });
  s.start();
  t.teardown(() => s.stop());
  await waitFor(() => reasons.length >= 2, { what: 'two attempts' });
  t.is(opens(), 0);
  t.regex(reasons[0]!, /not an event stream \(Content-Type: text\/html\)/);
});

test('an https endpoint is verified: a certificate no CA signed is refused, with the reason', async (t) => {
  const tls = await selfSignedCertificate(await tempDir(t));
  const server = createHttpsServer(tls, (_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/event-stream' });
    response.write('event: event_stream_attached\r\ndata: {"eventType":"event_stream_attached"}\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const reasons: string[] = [];
  const { s, opens, events } = stream([`https://127.0.0.1:${(server.address() as AddressInfo).port}`], { onReconnect: (reason) => reasons.push(reason) });
  s.start();
  t.teardown(() => s.stop());
  await waitFor(() => reasons.length >= 1, { what: 'the refusal' });
  t.is(opens(), 0);
  t.is(events.length, 0);
  t.regex(reasons[0]!, /self[- ]signed certificate/i);
});
