import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MarathonSimulator, sampleApps } from '@mmsd/marathon-sim';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/env.js';
import { REPO_ROOT } from './helpers/paths.js';

async function cluster(t: { teardown(fn: () => unknown): void }) {
  const sim = await MarathonSimulator.start();
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());
  return sim;
}

test('dump: a readable table of services and backends, and what is not exposed and why', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const { code, stdout } = await runCli(['dump', `--marathon=${sim.url}`, '--groups=production,staging'], { env: s.env });
  t.is(code, 0);
  t.regex(stdout, /^3 services exposed, from 6 apps/);
  t.regex(stdout, /production\.redis\.master {2}:10201 {2}redis-master\/tcp {2}1\/1 up {2}check MESOS_TCP {2}groups production/);
  t.regex(stdout, / {2}up {7}mesos-agent-3\.dc1\.example\.internal:31405 {2}TASK_RUNNING/);
  t.regex(stdout, /4 services not exposed:\n {2}developer\.trapni\.php {2}groups: lb-group developer not in this agent's groups/);
});

test('--strict-mode (and STRICT_MODE): only ports whose HAPROXY_{n}_ENABLED is true are exposed', async (t) => {
  const sim = await cluster(t);
  await sim.createApp({ id: '/lb/on', instances: 0, labels: { HAPROXY_0_ENABLED: 'true' }, portDefinitions: [{ port: 10950 }] });
  const s = await scratch(t);
  const exposed = (stdout: string) => (JSON.parse(stdout) as { services: { name: string }[] }).services.map((x) => x.name);
  const flag = await runCli(['dump', `--marathon=${sim.url}`, '--strict-mode', '--json'], { env: s.env });
  t.is(flag.code, 0, flag.stderr);
  t.deepEqual(exposed(flag.stdout), ['lb.on']);
  t.regex(flag.stdout, /"strict mode: HAPROXY_0_ENABLED is not true"/);
  const env = await runCli(['dump', `--marathon=${sim.url}`, '--json'], { env: { ...s.env, STRICT_MODE: 'true' } });
  t.deepEqual(exposed(env.stdout), ['lb.on']);
  const off = await runCli(['dump', `--marathon=${sim.url}`, '--json'], { env: s.env });
  t.true(exposed(off.stdout).length > 1, 'without it, every port is exposed');
});

test('dump --json: the model, with every contract field of a service', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const { code, stdout } = await runCli(['dump', '--json', `--marathon=${sim.url}`], { env: s.env });
  t.is(code, 0);
  const dump = JSON.parse(stdout) as { services: Record<string, unknown>[]; apps: unknown[]; marathon: string[]; groups: string[] };
  t.deepEqual(dump.marathon, [sim.url]);
  t.deepEqual(dump.groups, ['*']);
  t.is(dump.apps.length, 6);
  const php = dump.services.find((x) => x.name === 'developer.trapni.php')!;
  t.deepEqual(Object.keys(php).sort(), ['appId', 'backends', 'groups', 'healthCheck', 'labels', 'name', 'portIndex', 'proto', 'proxyProtocol', 'servicePort', 'transport', 'vhostDefault', 'vhosts'].sort());
  t.deepEqual((php.backends as Record<string, unknown>[])[0], {
    taskId: 'developer_trapni_php.instance-2a8d7e41-1cf2-11eb-9c2e-0242ac110004._app.1',
    host: 'mesos-agent-1.dc1.example.internal',
    port: 31201,
    state: 'TASK_RUNNING',
    health: 'up',
  });
});

test('flag > environment > file > default (seed flags and variables)', async (t) => {
  const sim = await cluster(t);
  const other = await cluster(t);
  const s = await scratch(t);
  const config = await s.write('mmsd.yaml', `marathon: { endpoints: ["http://127.0.0.1:1"] }\ngroups: [from-file]\n`);
  const groupsOf = async (args: string[], env: Record<string, string>) => {
    const { stdout, stderr, code } = await runCli(['dump', '--json', '--config', config, ...args], { env: { ...s.env, ...env } });
    t.is(code, 0, stderr);
    const dump = JSON.parse(stdout) as { groups: string[]; marathon: string[] };
    return [dump.groups.join(','), dump.marathon.join(',')];
  };
  const port = String(sim.port);
  t.deepEqual(await groupsOf([], { MARATHON_HOST: '127.0.0.1', MARATHON_PORT: port }), ['from-file', sim.url]);
  t.deepEqual(await groupsOf([], { MARATHON_HOST: '127.0.0.1', MARATHON_PORT: port, GROUPS: 'from-env' }), ['from-env', sim.url]);
  t.deepEqual(await groupsOf(['--groups=from-flag', `--marathon-port=${other.port}`], { MARATHON_HOST: '127.0.0.1', MARATHON_PORT: port, GROUPS: 'from-env' }), ['from-flag', other.url]);
  t.deepEqual(await groupsOf([`--marathon=${other.url}`], { MARATHON: sim.url }), ['from-file', other.url]);
  // A Marathon named by flags beats one named by any variable, MARATHON included.
  t.deepEqual(await groupsOf(['--marathon-host=127.0.0.1', `--marathon-port=${other.port}`], { MARATHON: sim.url }), ['from-file', other.url]);
  t.deepEqual(await groupsOf([`--marathon-port=${other.port}`], { MARATHON: sim.url, MARATHON_HOST: '127.0.0.1' }), ['from-file', other.url]);
  // Among the variables, MARATHON beats MARATHON_HOST/MARATHON_PORT.
  t.deepEqual(await groupsOf([], { MARATHON: other.url, MARATHON_HOST: '127.0.0.1', MARATHON_PORT: port }), ['from-file', other.url]);
});

test('bad input is refused with a clear error: exit 2, the key and the file named', async (t) => {
  const s = await scratch(t);
  const bad = await s.write('bad.yaml', 'marathon:\n  endpoints: [http://x:8080]\n  resync: 10\n');
  const invalid = await runCli(['dump', '--config', bad], { env: s.env });
  t.is(invalid.code, 2);
  t.regex(invalid.stderr, new RegExp(`config ${bad} is invalid: unknown key "marathon.resync"`));
  t.regex(invalid.stderr, /docs\/configuration.md/);

  const missing = await s.write('missing.yaml', 'marathon: { endpoints: [http://127.0.0.1:1] }\nplugins: [no-such-plugin]\n');
  const notFound = await runCli(['render', '--config', missing], { env: s.env });
  t.is(notFound.code, 2);
  t.regex(notFound.stderr, /plugin "no-such-plugin" \(in .*missing.yaml\) is not installed/);
  t.regex(notFound.stderr, /mmsd plugins:install mmsd-plugin-no-such-plugin/);

  // One-shot commands ask once: their hint must not promise the retries of `run`.
  for (const command of ['dump', 'render']) {
    const down = await runCli([command, '--marathon=http://127.0.0.1:1'], { env: s.env });
    t.is(down.code, 1, command);
    t.regex(down.stderr, /Marathon did not answer GET \/v2\/apps\?embed=apps\.tasks/, command);
    t.regex(down.stderr, /^Hint: .*this command asked each endpoint once and does not retry: run it again once Marathon answers$/m, command);
    t.notRegex(down.stderr, /keeps the last good state and retries/, command);
  }
});

test('render with only the logger: nothing to render, and how to enable a handler', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const { code, stderr, stdout } = await runCli(['render', `--marathon=${sim.url}`], { env: s.env });
  t.is(code, 0);
  t.is(stdout, '');
  t.regex(stderr, /nothing to render: no enabled handler writes files/);
});

test('every command has --help with examples', async (t) => {
  for (const command of ['run', 'dump', 'render']) {
    const { stdout, code } = await runCli([command, '--help']);
    t.is(code, 0, command);
    t.regex(stdout, /USAGE/, command);
    t.regex(stdout, /EXAMPLES/, command);
    t.regex(stdout, /--marathon-host/, command);
  }
  const root = await runCli(['--help']);
  t.regex(root.stdout, /plugins/);
  t.regex(root.stdout, /run +Run the agent/);
});

test('-h and -v: help, help of a command, and the version', async (t) => {
  const version = await runCli(['-v']);
  t.is(version.code, 0, version.stderr);
  t.regex(version.stdout, /^mmsd\/\d+\.\d+\.\d+ /);
  t.is(version.stdout, (await runCli(['--version'])).stdout);
  const root = await runCli(['-h']);
  t.is(root.code, 0, root.stderr);
  t.regex(root.stdout, /run +Run the agent/);
  for (const args of [['run', '-h'], ['--marathon-host=m', '-h']]) {
    const run = await runCli(args);
    t.is(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    t.regex(run.stdout, /\$ mmsd run /, args.join(' '));
    t.regex(run.stdout, /--state-file/, args.join(' '));
  }
});

test('a third-party plugin installed with `mmsd plugins:install` (a tarball) is found by the loader', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const pkg = join(s.dir, 'mmsd-plugin-hello');
  await mkdir(pkg, { recursive: true });
  await writeFile(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'mmsd-plugin-hello', version: '1.0.0', type: 'module', main: 'index.js', oclif: {}, files: ['index.js'] }),
  );
  await writeFile(
    join(pkg, 'index.js'),
    `export default {
  name: 'hello',
  optionsSchema: { type: 'object', properties: { greeting: { type: 'string', default: 'hello' } } },
  apply(hooks, ctx) {
    hooks.onRender.tap('hello', (artifacts, snapshot) => [
      ...artifacts,
      { plugin: 'hello', path: '/tmp/hello.txt', content: ctx.options.greeting + ' ' + snapshot.services.size + ' services\\n' },
    ]);
  },
};\n`,
  );
  const packed = spawnSync('npm', ['pack', '--silent', '--pack-destination', s.dir], { cwd: pkg, encoding: 'utf8' });
  t.is(packed.status, 0, packed.stderr);
  const tarball = join(s.dir, packed.stdout.trim().split('\n').pop()!);
  const install = await runCli(['plugins:install', `file:${tarball}`], { env: s.env });
  t.is(install.code, 0, install.stderr);
  const config = await s.write('mmsd.yaml', `marathon: { endpoints: [${sim.url}] }\nplugins:\n  - [hello, { greeting: hi }]\n`);
  const render = await runCli(['render', '--config', config], { env: s.env });
  t.is(render.code, 0, render.stderr);
  t.is(render.stdout, '==> /tmp/hello.txt (hello) <==\nhi 7 services');

  // plugins:link registers a plugin by path, outside node_modules; it is found too.
  const uninstall = await runCli(['plugins:uninstall', 'mmsd-plugin-hello'], { env: s.env });
  t.is(uninstall.code, 0, uninstall.stderr);
  const link = await runCli(['plugins:link', pkg, '--no-install'], { env: s.env });
  t.is(link.code, 0, link.stderr);
  const linked = await runCli(['render', '--config', config], { env: s.env });
  t.is(linked.code, 0, linked.stderr);
  t.regex(linked.stdout, /hi 7 services/);
});

/** Writes a package into `<dir>/<name>` and packs it; returns the tarball's path. */
async function packed(dir: string, pkgJson: Record<string, unknown>, code: string): Promise<string> {
  const root = join(dir, String(pkgJson.name));
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'package.json'), JSON.stringify({ version: '1.0.0', type: 'module', main: 'index.js', files: ['index.js'], ...pkgJson }));
  await writeFile(join(root, 'index.js'), code);
  const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  return join(dir, pack.stdout.trim().split('\n').pop()!);
}

test('a refused `plugins:install` is rolled back: the package is not installed, not loadable, not listed', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const cases = [
    { name: 'mmsd-plugin-nooclif', extra: {}, code: `export default { name: 'nooclif', apply() {} };\n`, why: /mmsd-plugin-nooclif is not an mmsd plugin package: its package\.json has no "oclif" key; it was uninstalled again/ },
    { name: 'mmsd-plugin-notmmsd', extra: { oclif: {} }, code: `export default { hello: 1 };\n`, why: /plugin "mmsd-plugin-notmmsd" .* is not an mmsd plugin: it has no "name" string.*; it was uninstalled again/ },
  ];
  for (const c of cases) {
    const tarball = await packed(s.dir, { name: c.name, ...c.extra }, c.code);
    const install = await runCli(['plugins:install', `file:${tarball}`], { env: s.env });
    t.is(install.code, 2, c.name);
    t.regex(install.stderr, c.why, c.name);
    t.regex(install.stderr, /^Code: EMMSD_PLUGIN_INVALID$/m, c.name);
    t.false(existsSync(join(s.dir, 'data', 'node_modules', c.name)), `${c.name} is not left in the data directory`);
    const manifest = JSON.parse(await readFile(join(s.dir, 'data', 'package.json'), 'utf8')) as { dependencies?: object; oclif: { plugins: unknown[] } };
    t.deepEqual([Object.keys(manifest.dependencies ?? {}), manifest.oclif.plugins], [[], []], c.name);
    const config = await s.write(`${c.name}.yaml`, `marathon: { endpoints: [${sim.url}] }\nplugins: [${c.name}]\n`);
    const render = await runCli(['render', '--config', config], { env: s.env });
    t.is(render.code, 2, c.name);
    t.regex(render.stderr, new RegExp(`plugin "${c.name}" .* is not installed`), c.name);
  }
  const list = await runCli(['plugins'], { env: s.env });
  t.regex(list.stdout, /No plugins installed/);
});

test('a plugin named by a directory path is resolved from the config file directory; a wrong path is named', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  await cp(join(REPO_ROOT, 'docs', 'examples', 'mmsd-plugin-service-count'), join(s.dir, 'myplugin'), { recursive: true });
  await mkdir(join(s.dir, 'etc', 'mmsd'), { recursive: true });
  const config = await s.write('etc/mmsd/config.yaml', `marathon: { endpoints: [${sim.url}] }\nplugins:\n  - ["../../myplugin", { dir: /var/run/mmsd }]\n`);
  // The working directory is elsewhere: the path is relative to the config file.
  const render = await runCli(['render', '--config', config], { env: s.env, cwd: REPO_ROOT });
  t.is(render.code, 0, render.stderr);
  t.regex(render.stdout, /^==> \/var\/run\/mmsd\/service-count\.txt \(service-count\) <==\n/);

  const wrong = await s.write('etc/mmsd/wrong.yaml', `marathon: { endpoints: [${sim.url}] }\nplugins: [../myplugin]\n`);
  const refused = await runCli(['render', '--config', wrong], { env: s.env, cwd: REPO_ROOT });
  t.is(refused.code, 2);
  t.regex(refused.stderr, new RegExp(`^Error: plugin "\\.\\./myplugin" \\(in ${wrong}\\): ${join(s.dir, 'etc', 'myplugin')} does not exist$`, 'm'));
  t.regex(refused.stderr, new RegExp(`^Hint: a relative plugin path is resolved from the config file's directory ${join(s.dir, 'etc', 'mmsd')}; fix the path`, 'm'));
  t.regex(refused.stderr, /^Code: EMMSD_PLUGIN_NOT_FOUND$/m);
});
