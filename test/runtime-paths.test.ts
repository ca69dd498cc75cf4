// mmsd creates the directories of the runtime paths it uses, or refuses to start naming the
// path and the option; it fits HAProxy to the open-files limit it runs under; and a config
// that cannot be written is written again until it lands.
import test from 'ava';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MarathonSimulator } from '@mmsd/marathon-sim';
import { get } from './helpers/backends.js';
import { startCli } from './helpers/cli.js';
import { scratch } from './helpers/env.js';
import type { HaproxyFiles } from './helpers/haproxy.js';
import { haproxyPluginYaml, haproxyPorts, masterPid, stopHaproxy } from './helpers/haproxy.js';
import type { T } from './helpers/mmsd-haproxy.js';
import { backends, hits, serving, setup, webApp } from './helpers/mmsd-haproxy.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

/** Where a host without any mmsd directory would keep mmsd's files: all below `root`, none of them there yet. */
function cleanRoot(root: string): HaproxyFiles & { confd: string; data: string } {
  const run = join(root, 'var', 'run', 'mmsd');
  return {
    dir: root,
    configFile: join(run, 'haproxy.cfg'),
    pidFile: join(run, 'haproxy.pid'),
    socket: join(run, 'haproxy.sock'),
    masterSocket: join(run, 'haproxy-master.sock'),
    stateFile: join(run, 'haproxy.state'),
    logFile: join(root, 'var', 'log', 'mmsd', 'haproxy.log'),
    confd: join(run, 'confd'),
    data: join(root, 'var', 'lib', 'mmsd'),
  };
}

/** The simulator with the app /svc on one backend, and a clean root for mmsd's files. */
async function oneAppOnCleanRoot(t: T) {
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'] });
  t.teardown(() => sim.close());
  const s = await scratch(t);
  const files = cleanRoot(join(s.dir, 'root'));
  t.teardown(() => stopHaproxy(files));
  const [one] = await backends(t, ['one']);
  const port = await freePort();
  await webApp(sim, '/svc', port, [one!]);
  return { sim, s, files, port };
}

test('on a clean root with none of its directories present, mmsd creates them (0755) and HAProxy runs', async (t) => {
  const { sim, s, files, port } = await oneAppOnCleanRoot(t);
  const config = await s.write(
    'mmsd.yaml',
    `marathon: { endpoints: [${sim.url}] }\nplugins:\n  - ["@mmsd/plugin-upstream-confd", { dir: ${JSON.stringify(files.confd)} }]\n${haproxyPluginYaml(files, await haproxyPorts())}`,
  );
  const cli = startCli(['run', '--config', config], { env: { ...s.env, MMSD_DATA_DIR: files.data } });
  t.teardown(() => cli.stop('SIGKILL'));
  await serving(port);
  t.is((await get(port)).body, 'one');
  for (const dir of [join(files.dir, 'var', 'run', 'mmsd'), join(files.dir, 'var', 'log', 'mmsd'), files.confd]) {
    t.is((await stat(dir)).mode & 0o777, 0o755, dir);
  }
  t.regex(await readFile(join(files.confd, 'svc.instances'), 'utf8'), /Service-Name: svc/);
  t.truthy(masterPid(files));
});

test('a runtime directory that cannot be created stops mmsd at start, naming the path and the option', async (t) => {
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'] });
  t.teardown(() => sim.close());
  const s = await scratch(t);
  const blocker = join(s.dir, 'not-a-dir');
  await writeFile(blocker, 'a file where a directory should be\n');
  const files = { ...cleanRoot(join(s.dir, 'root')), socket: join(blocker, 'mmsd', 'haproxy.sock') };
  t.teardown(() => stopHaproxy(files));
  const config = await s.write('mmsd.yaml', `marathon: { endpoints: [${sim.url}] }\nplugins:\n${haproxyPluginYaml(files, await haproxyPorts())}`);
  const cli = startCli(['run', '--config', config], { env: s.env });
  const { code } = await cli.exited;
  t.not(code, 0);
  const said = cli.err.join('\n');
  t.regex(said, new RegExp(`cannot create the directory ${join(blocker, 'mmsd').replaceAll('/', '\\/')} \\(option haproxy socket\\): ENOTDIR`));
  t.regex(said, /EMMSD_RUNTIME_DIR/);
  t.regex(said, /Hint: create .* or set haproxy socket to a path/);
  t.is(masterPid(files), undefined, 'no HAProxy was started');
});

test('under an open-files limit too low for maxconn, HAProxy starts with a fitted maxconn, said in one log line', async (t) => {
  const { sim, s, files, port } = await oneAppOnCleanRoot(t);
  // maxconn 4096 needs 8192 descriptors and more; HAProxy 2.6 refuses to start under 4000.
  const config = await s.write('mmsd.yaml', `marathon: { endpoints: [${sim.url}] }\nplugins:\n${haproxyPluginYaml(files, await haproxyPorts(), { maxconn: 4096 })}`);
  const cli = startCli(['run', '--config', config], { env: s.env, wrap: ['prlimit', '--nofile=4000:4000', '--'] });
  t.teardown(() => cli.stop('SIGKILL'));
  await serving(port);
  const line = await cli.line(/HAProxy needs \d+ file descriptors .* more than the open-files limit of 4000: maxconn lowered to (\d+); raise it/, { stream: 'err' });
  const fitted = Number(/maxconn lowered to (\d+)/.exec(line)![1]);
  t.true(fitted > 1000 && fitted < 2000, String(fitted));
  t.regex(await readFile(files.configFile, 'utf8'), new RegExp(`^  maxconn ${fitted}$`, 'm'));
  t.is(cli.err.filter((l) => /file descriptors/.test(l)).length, 1);
});

test('a HAProxy config that cannot be written is retried until it lands, without a further change', async (t) => {
  const { sim, s, files, config } = await setup(t, { extra: { writeDelay: 0 } });
  const [one, two] = await backends(t, ['one', 'two']);
  const port = await freePort();
  await webApp(sim, '/svc', port, [one!]);
  const cli = startCli(['run', '--config', config], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  await serving(port);
  // The config's path becomes a directory that is not empty: the rename of every write fails.
  await rm(files.configFile);
  await mkdir(join(files.configFile, 'blocker'), { recursive: true });
  await sim.launchTask('/svc', { host: '127.0.0.1', ports: [two!.port] });
  await cli.line(/cannot write the HAProxy config .*haproxy\.cfg: .*; HAProxy keeps what it runs; trying again until it works/, { stream: 'err' });
  await waitFor(async () => (await hits(port, 12)).has('two'), { what: 'the new server served through the runtime API all the same' });
  await rm(files.configFile, { recursive: true });
  await cli.line(/wrote the HAProxy config .*haproxy\.cfg again after \d+ failed attempts/, { stream: 'err' });
  t.regex(await readFile(files.configFile, 'utf8'), new RegExp(`127\\.0\\.0\\.1:${two!.port}`));
});
