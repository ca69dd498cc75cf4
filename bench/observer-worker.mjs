// The bench's observer thread (see observer.ts): it timestamps what it sees and posts it.
// Plain JavaScript: a worker thread does not get tsx's loader.
import { closeSync, fstatSync, openSync, readSync, watch } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { logFile, eventsUrl } = workerData;
const now = () => performance.timeOrigin + performance.now();
const post = (message) => parentPort.postMessage(message);

// HAProxy's log: "Server <backend>/<server> is UP/READY (…)" and "… is going DOWN for maintenance".
const fd = openSync(logFile, 'r');
let offset = fstatSync(fd).size;
let pending = '';
const buffer = Buffer.alloc(64 * 1024);
const watcher = watch(logFile, () => {
  // Synchronous on purpose: the time is taken when inotify says so, no thread-pool round trips.
  const at = now();
  for (;;) {
    const bytesRead = readSync(fd, buffer, 0, buffer.length, offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
    pending += buffer.toString('utf8', 0, bytesRead);
  }
  const lines = pending.split('\n');
  pending = lines.pop();
  for (const line of lines) {
    const match = /Server (\S+\/\S+) is (UP\/READY|going DOWN for maintenance)/.exec(line);
    if (match) post({ type: 'server', key: match[1], transition: match[2] === 'UP/READY' ? 'ready' : 'maint', at });
  }
});

// The simulator's event stream: when each task's TASK_RUNNING arrived.
const abort = new AbortController();
const response = await fetch(eventsUrl, { headers: { Accept: 'text/event-stream' }, signal: abort.signal });
post({ type: 'ready' });
void (async () => {
  let rest = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    const at = now();
    rest += decoder.decode(chunk, { stream: true });
    const lines = rest.split('\n');
    rest = lines.pop();
    for (const line of lines) {
      if (!line.startsWith('data:') || !line.includes('TASK_RUNNING')) continue;
      const event = JSON.parse(line.slice(5));
      if (event.eventType === 'status_update_event' && event.taskStatus === 'TASK_RUNNING' && event.taskId) post({ type: 'running', taskId: event.taskId, at });
    }
  }
})().catch(() => {});

parentPort.on('message', () => {
  watcher.close();
  closeSync(fd);
  abort.abort();
  parentPort.close();
});
