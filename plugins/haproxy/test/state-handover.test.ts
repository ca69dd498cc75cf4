import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginContext } from '@mmsd/core';
import type { HaproxyOptions } from '../src/options.js';
import { cli, workerPid } from '../src/socket.js';
import { StateHandover } from '../src/state-handover.js';
import type { HaproxyView } from '../src/view.js';

/**
 * A real HAProxy whose admin sessions time out after 300 ms idle, one checked server (a
 * listener of the test's, so its checks pass), the server-state file loaded at every reload.
 */
async function haproxy(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'mmsd-handover-'));
  const backend = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const port = (backend.address() as AddressInfo).port;
  const socket = join(dir, 'admin.sock');
  const master = join(dir, 'master.sock');
  const stateFile = join(dir, 'state');
  const config = join(dir, 'haproxy.cfg');
  await writeFile(stateFile, '1\n');
  await writeFile(
    config,
    ['global', `  stats socket ${socket} mode 600 level admin expose-fd listeners`, '  stats timeout 300ms', `  server-state-file ${stateFile}`, 'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s', '  load-server-state-from-file global', 'backend web', `  server a 127.0.0.1:${port} check inter 200 rise 1 fall 1`, ''].join('\n'),
  );
  const child = spawn('haproxy', ['-W', '-f', config, '-S', master], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.teardown(async () => {
    child.kill('SIGTERM');
    await exited;
    backend.close();
    await rm(dir, { recursive: true, force: true });
  });
  const answers = async () => (await workerPid(socket, 500)) !== undefined && /master/.test(await cli(master, 'show proc', 500).catch(() => ''));
  for (let i = 0; i < 500 && !(await answers()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const view = { services: [{ name: 'web', servers: [{ name: 'a', state: 'ready', address: '127.0.0.1', port }] }] } as unknown as HaproxyView;
  return { socket, master, stateFile, view };
}

const ctx = { files: { write: (path: string, text: string) => writeFile(path, text) }, log: { debug() {}, info() {}, warn() {}, error() {} } } as unknown as PluginContext<HaproxyOptions>;

test('the worker being replaced stays reachable through a reload longer than its stats timeout: what it last found is carried over', async (t) => {
  const { socket, master, stateFile, view } = await haproxy(t);
  const handover = new StateHandover(ctx, { socket, stateFile, checks: true } as HaproxyOptions, 100);
  t.teardown(() => handover.release());
  await handover.save(view, new Map());
  // After the save, the running worker finds a down (its checks stopped, so that it stays so).
  await cli(socket, 'disable health web/a');
  await cli(socket, 'set server web/a health down');
  const before = await workerPid(socket);
  await cli(master, 'reload');
  while ((await workerPid(socket)) === before) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 1000)); // three times HAProxy's stats timeout
  // The new worker loaded a UP from the saved states; the old one says it went down since.
  t.deepEqual(await handover.corrections(view, new Map()), ['set server web/a health down']);
});
