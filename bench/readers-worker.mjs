// The relay bench's event-stream readers, in a thread of their own (see relay.ts): they
// timestamp each frame as it arrives, so the agents measured in the main thread do not wait
// for them and they do not wait for the agents. Plain JavaScript: a worker gets no tsx loader.
import { request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { port, count } = workerData;
const now = () => performance.timeOrigin + performance.now();
const seen = Array.from({ length: count }, () => []);
let connected = 0;
let want;
const requests = Array.from({ length: count }, (_, i) =>
  request({ host: '127.0.0.1', port, path: '/v2/events', headers: { Accept: 'text/event-stream' }, agent: false }, (response) => {
    if (++connected === count) parentPort.postMessage({ type: 'connected' });
    response.setEncoding('utf8');
    response.on('data', (chunk) => {
      const at = now();
      for (const match of chunk.matchAll(/event: (\S+)\r\n/g)) seen[i].push({ type: match[1], at });
      check();
    });
  }).end(),
);

function check() {
  if (!want) return;
  const hits = seen.map((list) => list.find((s) => s.type === want.type && s.at >= want.since)?.at);
  if (hits.some((h) => h === undefined)) return;
  want = undefined;
  for (const list of seen) list.length = 0;
  parentPort.postMessage({ type: 'hits', hits });
}

parentPort.on('message', (message) => {
  if (message.type === 'want') {
    want = { type: message.eventType, since: message.since };
    check();
  } else {
    for (const r of requests) r.destroy();
    parentPort.close();
  }
});
