import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { tempDir } from '../../../test/helpers/tmp.js';

async function dirs(t: { teardown(fn: () => unknown): void }) {
  const root = await tempDir(t, 'mmsd-config-');
  const project = join(root, 'project', 'sub');
  const xdg = join(root, 'xdg');
  const etc = join(root, 'etc-mmsd');
  await mkdir(project, { recursive: true });
  await mkdir(join(xdg, 'mmsd'), { recursive: true });
  await mkdir(etc, { recursive: true });
  process.env.XDG_CONFIG_HOME = xdg;
  return { root, project, parent: join(root, 'project'), xdg: join(xdg, 'mmsd'), etc };
}

test.serial('defaults when there is no config anywhere: logger only, groups *, no Marathon', async (t) => {
  const d = await dirs(t);
  // The CLI's default handler (the logger) comes in as defaultPlugins: core knows no plugin by name.
  const { config, source } = await loadConfig({ cwd: d.project, systemDir: d.etc, defaultPlugins: ['@mmsd/plugin-logger'] });
  t.is(source.filepath, undefined);
  t.deepEqual(config.marathon.endpoints, []);
  t.deepEqual(config.groups, ['*']);
  t.is(config.coalesce, 0, 'batching by load');
  t.is(config.marathon.resyncInterval, 300);
  t.deepEqual(config.plugins, ['@mmsd/plugin-logger']);
  t.is(config.stateFile, false);
  t.true(Object.isFrozen(config) && Object.isFrozen(config.marathon));
});

test.serial('search order: --config, then the project (upwards), then ~/.config/mmsd, then /etc/mmsd', async (t) => {
  const d = await dirs(t);
  await writeFile(join(d.etc, 'config.yaml'), 'groups: [from-etc]\n');
  t.deepEqual((await loadConfig({ cwd: d.project, systemDir: d.etc })).config.groups, ['from-etc']);
  await writeFile(join(d.xdg, 'config.json'), JSON.stringify({ groups: ['from-xdg'] }));
  t.deepEqual((await loadConfig({ cwd: d.project, systemDir: d.etc })).config.groups, ['from-xdg']);
  await writeFile(join(d.parent, '.mmsdrc.yaml'), 'groups: from-parent\n');
  t.deepEqual((await loadConfig({ cwd: d.project, systemDir: d.etc })).config.groups, ['from-parent']);
  await writeFile(join(d.project, 'mmsd.config.json'), JSON.stringify({ groups: 'a,b' }));
  t.deepEqual((await loadConfig({ cwd: d.project, systemDir: d.etc })).config.groups, ['a', 'b']);
  await writeFile(join(d.root, 'explicit.yml'), 'groups: [explicit]\n');
  const loaded = await loadConfig({ cwd: d.project, systemDir: d.etc, configFile: join(d.root, 'explicit.yml') });
  t.deepEqual(loaded.config.groups, ['explicit']);
  t.is(loaded.source.filepath, join(d.root, 'explicit.yml'));
  t.is(loaded.source.directory, d.root);
});

test.serial('package.json#mmsd and a JS module config are read', async (t) => {
  const d = await dirs(t);
  await writeFile(join(d.project, 'package.json'), JSON.stringify({ name: 'x', mmsd: { coalesce: 5 } }));
  t.is((await loadConfig({ cwd: d.project, systemDir: d.etc })).config.coalesce, 5);
  await writeFile(join(d.etc, 'config.js'), 'export default { coalesce: 7 };\n');
  t.is((await loadConfig({ cwd: d.root, systemDir: d.etc })).config.coalesce, 7);
});

test.serial('precedence: flags and environment (overrides) > file > default', async (t) => {
  const d = await dirs(t);
  const file = join(d.root, 'c.yaml');
  await writeFile(
    file,
    [
      'marathon:',
      '  endpoints: [http://file-marathon:8080]',
      '  resyncInterval: 60',
      'groups: [file]',
      'logLevel: warn',
      'plugins:',
      '  - logger',
      '  - [upstream-confd, { dir: /from/file }]',
      '',
    ].join('\n'),
  );
  const fileOnly = (await loadConfig({ configFile: file, systemDir: d.etc })).config;
  t.deepEqual(fileOnly.marathon.endpoints, ['http://file-marathon:8080']);
  t.is(fileOnly.marathon.resyncInterval, 60);
  t.is(fileOnly.marathon.timeout, 10, 'default for what the file does not set');
  t.is(fileOnly.logLevel, 'warn');
  const overridden = (
    await loadConfig({
      configFile: file,
      systemDir: d.etc,
      overrides: { endpoints: ['http://flag:8080'], groups: ['flag'], logLevel: 'debug', plugins: [['@mmsd/plugin-upstream-confd', { dir: '/from/flag' }], ['@mmsd/plugin-haproxy', { bin: '/usr/sbin/haproxy' }]] },
    })
  ).config;
  t.deepEqual(overridden.marathon.endpoints, ['http://flag:8080']);
  t.deepEqual(overridden.groups, ['flag']);
  t.is(overridden.logLevel, 'debug');
  t.deepEqual(overridden.plugins, ['logger', ['upstream-confd', { dir: '/from/flag' }], ['@mmsd/plugin-haproxy', { bin: '/usr/sbin/haproxy' }]]);
});

test.serial('without a file, the handlers are the ones the flags name, plus the logger', async (t) => {
  const d = await dirs(t);
  const { config } = await loadConfig({
    cwd: d.project,
    systemDir: d.etc,
    defaultPlugins: ['@mmsd/plugin-logger'],
    overrides: { plugins: [['@mmsd/plugin-upstream-confd', { dir: '/run/confd' }], ['@mmsd/plugin-haproxy', { pidFile: '/run/haproxy.pid' }]] },
  });
  t.deepEqual(config.plugins, [
    '@mmsd/plugin-logger',
    ['@mmsd/plugin-upstream-confd', { dir: '/run/confd' }],
    ['@mmsd/plugin-haproxy', { pidFile: '/run/haproxy.pid' }],
  ]);
});

test.serial('unknown keys and wrong types are errors naming the key and the file', async (t) => {
  const d = await dirs(t);
  const file = join(d.root, 'bad.yaml');
  await writeFile(file, 'marathon:\n  endpoint: http://x\n  timeout: soon\ncoalese: 10\n');
  const error = await t.throwsAsync(loadConfig({ configFile: file, systemDir: d.etc }));
  t.is((error as { code?: string }).code, 'EMMSD_CONFIG_INVALID');
  t.true(error!.message.startsWith(`config ${file} is invalid:`));
  t.regex(error!.message, /unknown key "marathon.endpoint" \(did you mean "endpoints"\?\)/);
  t.regex(error!.message, /marathon.timeout must be number/);
  t.regex(error!.message, /unknown key "coalese" \(did you mean "coalesce"\?\)/);
});

test.serial('a file that cannot be parsed, a missing --config file, a bad endpoint', async (t) => {
  const d = await dirs(t);
  const file = join(d.root, 'broken.yaml');
  await writeFile(file, 'groups: [unclosed\n');
  const parse = await t.throwsAsync(loadConfig({ configFile: file, systemDir: d.etc }));
  t.is((parse as { code?: string }).code, 'EMMSD_CONFIG_PARSE');
  t.regex(parse!.message, new RegExp(`config ${file} cannot be read`));
  const missing = await t.throwsAsync(loadConfig({ configFile: join(d.root, 'nope.yaml'), systemDir: d.etc }));
  t.is((missing as { code?: string }).code, 'EMMSD_CONFIG_NOT_FOUND');
  await writeFile(join(d.root, 'ep.yaml'), 'marathon: { endpoints: "ftp://x" }\n');
  const endpoint = await t.throwsAsync(loadConfig({ configFile: join(d.root, 'ep.yaml'), systemDir: d.etc }));
  t.regex(endpoint!.message, /marathon.endpoints: "ftp:\/\/x" is not a Marathon URL/);
  await writeFile(join(d.root, 'dns.yaml'), 'dns: { hosts: { agent1: not-an-ip } }\n');
  const dns = await t.throwsAsync(loadConfig({ configFile: join(d.root, 'dns.yaml'), systemDir: d.etc }));
  t.regex(dns!.message, /dns.hosts.agent1 must be an IP address/);
});

test.serial('stateFile resolves against the config file directory; coalesceMaxWait is accepted and ignored', async (t) => {
  const d = await dirs(t);
  const file = join(d.root, 'c.json');
  await writeFile(file, JSON.stringify({ stateFile: 'state/last.json', coalesce: 20, coalesceMaxWait: 100 }));
  const { config } = await loadConfig({ configFile: file, systemDir: d.etc });
  t.is(config.stateFile, join(d.root, 'state', 'last.json'));
  t.is(config.coalesce, 20);
  t.false('coalesceMaxWait' in config);
});
