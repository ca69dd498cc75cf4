// What the runtime API refuses in a running HAProxy is left to a reload.
import test from 'ava';
import { serverName } from '@mmsd/plugin-haproxy';
import { haproxyCli, serverStates, workerPid } from './helpers/haproxy.js';
import { backends, hits, serving, setup, sorted, startMmsd, webApp } from './helpers/mmsd-haproxy.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

test("a change the runtime API refuses (a server deleted behind mmsd's back) is made by a reload instead, and said", async (t) => {
  const { sim, s, files, config } = await setup(t);
  const [a, b] = await backends(t, ['a', 'b']);
  const port = await freePort();
  await webApp(sim, '/web', port, [a!, b!]);
  const cli = startMmsd(t, config, s.env);
  await serving(port);
  await waitFor(async () => (await hits(port, 12)).size === 2, { what: 'both serving' });
  const taskB = sim.tasks('/web').find((x) => (x.ports as number[])[0] === b!.port)!.id as string;
  const nameB = serverName(taskB);

  // An operator removes b's server by hand; mmsd still believes HAProxy has it.
  await haproxyCli(files.socket, `set server web/${nameB} state maint`);
  t.regex(await haproxyCli(files.socket, `del server web/${nameB}`), /Server deleted/);
  const worker = await workerPid(files.socket);
  const logged = cli.err.length;
  await sim.setHealth(taskB, false);
  await cli.line(/runtime API refused some changes \(No such server/, { stream: 'err', after: logged });
  await cli.line(/HAProxy reloaded/, { stream: 'err', after: logged });
  t.not(await workerPid(files.socket), worker);
  t.is((await serverStates(files.socket, 'web')).get(nameB), 'maint', 'the reload brought the server back, in the state Marathon says');

  await sim.setHealth(taskB, true);
  await waitFor(async () => (await hits(port, 12)).size === 2, { what: 'b serving again' });
  t.deepEqual(sorted(await hits(port)), ['a', 'b']);
  t.false(cli.err.some((l) => /:error /.test(l)), cli.err.filter((l) => /:error /.test(l)).join('\n'));
});
