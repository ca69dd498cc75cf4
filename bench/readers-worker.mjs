// The relay bench's event-stream readers, in a thread of their own (see relay.ts): they
// timestamp each frame as it arrives, so the agents measured in the main thread do not wait
// for them and they do not wait for the agents. Plain JavaScript: a worker gets no tsx loader.
import { request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { port, count } = workerData;
const now = () => performance.timeOrigin + performance.now();
/** Frames seen since the last `want`, per reader (only until a want is answered). */
let seen = Array.from({ length: count }, () => []);
let connected = 0;
let want;

function hit(i, type, at) {
  if (!want || want.hits[i] !== undefined || type !== want.type || at < want.since) return;
  want.hits[i] = at;
  if (++want.count === count) {
    parentPort.postMessage({ type: 'hits', hits: want.hits });
    want = undefined;
  }
}

const requests = Array.from({ length: count }, (_, i) =>
  request({ host: '127.0.0.1', port, path: '/v2/events', headers: { Accept: 'text/event-stream' }, agent: false }, (response) => {
    if (++connected === count) parentPort.postMessage({ type: 'connected' });
    response.setEncoding('utf8');
    response.on('data', (chunk) => {
      const at = now();
      for (const match of chunk.matchAll(/event: (\S+)\r\n/g)) {
        if (want) hit(i, match[1], at);
        else seen[i].push({ type: match[1], at });
      }
    });
  }).end(),
);

parentPort.on('message', (message) => {
  if (message.type === 'want') {
    want = { type: message.eventType, since: message.since, hits: new Array(count), count: 0 };
    const early = seen;
    seen = Array.from({ length: count }, () => []);
    early.forEach((list, i) => list.forEach((s) => want && hit(i, s.type, s.at)));
  } else {
    for (const r of requests) r.destroy();
    parentPort.close();
  }
});
