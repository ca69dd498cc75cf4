// Server states across a reload: what the new worker starts with, and what it is told once it runs.
import test from 'ava';
import { readFile, stat } from 'node:fs/promises';
import { serverName } from '@mmsd/plugin-haproxy';
import type { HttpBackend } from './helpers/backends.js';
import { masterPid, serverStates, serversUp, workerPid } from './helpers/haproxy.js';
import { backends, hits, serving, setup, sorted, startMmsd, webApp } from './helpers/mmsd-haproxy.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

test("server states survive a reload: maintenance, drain, and what HAProxy's own checks found", async (t) => {
  const { sim, s, files, config } = await setup(t);
  const [b1, b2, b3, b4] = await backends(t, ['b1', 'b2', 'b3', 'b4']);
  const port = await freePort();
  await webApp(sim, '/web', port, [b1!, b2!, b3!, b4!]);
  const cli = startMmsd(t, config, s.env);
  await serving(port);
  await waitFor(async () => (await hits(port, 16)).size === 4, { what: 'all four serving' });
  const server = (b: HttpBackend) => serverName(sim.tasks('/web').find((x) => (x.ports as number[])[0] === b.port)!.id as string);
  const [n1, n2, n3, n4] = [b1!, b2!, b3!, b4!].map(server) as [string, string, string, string];

  await sim.setHealth(sim.tasks('/web').find((x) => server(b2!) === serverName(x.id as string))!.id as string, false);
  await sim.setTaskState(sim.tasks('/web').find((x) => server(b3!) === serverName(x.id as string))!.id as string, 'TASK_KILLING');
  await b4!.close(); // its task still runs for Marathon; HAProxy's check finds it down
  await waitFor(async () => (await serversUp(files.socket, 'web')).join() === n1, { what: 'only b1 up' });
  const states = await serverStates(files.socket, 'web');
  t.deepEqual([states.get(n2), states.get(n3), states.get(n4)], ['maint', 'drain', 'ready']);
  t.deepEqual(sorted(await hits(port, 12)), ['b1'], 'a draining task gets no new connections');

  // A structural change (a new service): a reload.
  const worker = await workerPid(files.socket);
  const logged = cli.err.length;
  await sim.createApp({ id: '/another', instances: 0, portDefinitions: [{ port: await freePort() }] });
  await cli.line(/HAProxy reloaded/, { stream: 'err', after: logged });
  t.not(await workerPid(files.socket), worker);
  // Right after the reload, before any check of the new worker could have run (fall 3 × 1 s):
  t.deepEqual(await serversUp(files.socket, 'web'), [n1], 'the new worker starts from the saved states');
  const after = await serverStates(files.socket, 'web');
  t.deepEqual([after.get(n1), after.get(n2), after.get(n3), after.get(n4)], ['ready', 'maint', 'drain', 'ready']);
  t.deepEqual(sorted(await hits(port, 12)), ['b1']);
});

test("what the replaced worker's checks found while the reload ran is carried over: a server that came up does not start DOWN, one that went down not UP", async (t) => {
  const { sim, s, files, config } = await setup(t);
  const [a, b, c] = await backends(t, ['a', 'b', 'c']);
  c!.status = 500; // its task runs for Marathon, HAProxy's check fails
  const port = await freePort();
  await webApp(sim, '/web', port, [a!, b!, c!]);
  const cli = startMmsd(t, config, s.env);
  await serving(port);
  const name = (x: HttpBackend) => serverName(sim.tasks('/web').find((task) => (task.ports as number[])[0] === x.port)!.id as string);
  await waitFor(async () => (await serversUp(files.socket, 'web')).join() === [name(a!), name(b!)].sort().join(), { what: 'a and b up, c down' });

  // The master is held while mmsd saves the states for a reload, so that the running worker's
  // checks find c passing and b failing after the save and before the new worker reads it.
  const master = masterPid(files)!;
  const worker = await workerPid(files.socket);
  const before = (await stat(files.stateFile)).ino;
  process.kill(master, 'SIGSTOP');
  let held = true;
  t.teardown(() => void (held && process.kill(master, 'SIGCONT')));
  const logged = cli.err.length;
  await sim.createApp({ id: '/another', instances: 0, portDefinitions: [{ port: await freePort() }] });
  await waitFor(async () => (await stat(files.stateFile)).ino !== before, { what: 'the states saved for the reload' });
  const saved = (await readFile(files.stateFile, 'utf8')).split('\n').map((l) => l.split(' '));
  const op = (x: HttpBackend) => saved.find((f) => f[1] === 'web' && f[3] === name(x))?.[5];
  t.deepEqual([op(a!), op(b!), op(c!)], ['2', '2', '0'], 'saved: a and b running, c stopped');
  c!.status = 200;
  b!.status = 500;
  await waitFor(async () => (await serversUp(files.socket, 'web')).join() === [name(a!), name(c!)].sort().join(), { what: 'the running worker: c up, b down' });
  process.kill(master, 'SIGCONT');
  held = false;

  await cli.line(/HAProxy reloaded/, { stream: 'err', after: logged });
  t.not(await workerPid(files.socket), worker);
  // Before the new worker's own checks could have changed them (rise 2 and fall 3 at 250 ms):
  t.deepEqual(await serversUp(files.socket, 'web'), [name(a!), name(c!)].sort(), 'the new worker starts from what the old one last found');
  t.deepEqual(sorted(await hits(port, 12)), ['a', 'c']);
});
