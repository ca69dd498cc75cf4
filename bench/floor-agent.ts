// The floor of a task start on this machine: the least any agent does between Marathon's event
// stream and HAProxy's runtime API, in the same places as mmsd (a Node process reading the
// simulator's stream, writing to HAProxy's admin socket). No model, no validation, no hooks:
// TASK_RUNNING is remembered, its health result sends `add server` and `set server … ready` on
// one held interactive session. The haproxy bench runs the same starts through it after mmsd's:
// what mmsd adds to a start is the difference, what this takes is the machine's.
// Run as: node --conditions=@mmsd/source --import=tsx bench/floor-agent.ts <events URL> <admin socket> <hosts JSON>
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { serviceName } from '@mmsd/core';
import { proxyName, serverName } from '@mmsd/plugin-haproxy';

const [eventsUrl, socketPath, hostsJson] = process.argv.slice(2) as [string, string, string];
const hosts = JSON.parse(hostsJson) as Record<string, string>;
const running = new Map<string, { appId: string; address: string }>();

const admin = createConnection(socketPath);
admin.setNoDelay?.(true);
admin.write('prompt\n');
admin.resume();

function onEvent(event: { eventType: string; taskId?: string; taskStatus?: string; appId?: string; host?: string; ports?: number[]; instanceId?: string; alive?: boolean }): void {
  if (event.eventType === 'status_update_event' && event.taskStatus === 'TASK_RUNNING' && event.taskId && event.appId) {
    running.set(event.taskId, { appId: event.appId, address: `${hosts[event.host ?? ''] ?? event.host}:${event.ports?.[0]}` });
  } else if (event.eventType === 'health_status_changed_event' && event.alive === true && event.instanceId) {
    for (const [taskId, task] of running) {
      if (!taskId.startsWith(`${event.instanceId}.`)) continue;
      running.delete(taskId);
      const id = `${proxyName(serviceName(task.appId, 0))}/${serverName(taskId)}`;
      admin.write(`add server ${id} ${task.address};set server ${id} state ready\n`);
    }
  }
}

const url = new URL(`${eventsUrl}?event_type=status_update_event&event_type=health_status_changed_event`);
request(url, { headers: { Accept: 'text/event-stream' } }, (response) => {
  response.setEncoding('utf8');
  let rest = '';
  response.on('data', (chunk: string) => {
    rest += chunk;
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line.startsWith('data:')) onEvent(JSON.parse(line.slice(5)));
  });
  process.send?.('ready');
}).end();

process.on('disconnect', () => process.exit(0));
