import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MarathonSimulator, sampleApps } from '@mmsd/marathon-sim';
import { Agent } from '../src/agent.js';
import { definePlugin } from '@mmsd/core';
import { HOST_VERSION, loadPlugins } from '../src/plugins/load-plugins.js';
import type { LoadedPlugin } from '../src/plugins/load-plugins.js';
import { createStaticResolver } from '../src/model/address-resolver.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { PluginSet } from '../src/plugins/plugin-set.js';
import { AgentMetrics } from '../src/metrics.js';
import type { MmsdConfig } from '../src/config/types.js';
import { testConfig } from './helpers.js';
import type { MmsdError } from '../src/errors.js';
import type { Snapshot } from '../src/model/types.js';

/** Writes packages into `<dir>/node_modules`: name → { file contents, package.json fields }. */
async function packages(dir: string, pkgs: Record<string, { code: string; type?: 'module' | 'commonjs'; main?: string }>): Promise<void> {
  for (const [name, pkg] of Object.entries(pkgs)) {
    const root = join(dir, 'node_modules', ...name.split('/'));
    await mkdir(root, { recursive: true });
    const main = pkg.main ?? 'index.js';
    await writeFile(join(root, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: pkg.type ?? 'module', main }));
    await writeFile(join(root, main), pkg.code);
  }
}

const GOOD = `export default {
  name: 'good',
  optionsSchema: { type: 'object', additionalProperties: false, properties: { port: { type: 'integer', default: 8080 }, host: { type: 'string' } } },
  apply(hooks, ctx) { hooks.onStart.tap('good', () => { globalThis.__goodStarted = ctx.options; }); },
};`;

async function fixtureDirs(t: { teardown(fn: () => unknown): void }) {
  const root = await tempDir(t, 'mmsd-plugins-');
  const configDir = join(root, 'etc');
  const dataDir = join(root, 'data');
  const ownDir = join(root, 'own');
  await packages(configDir, {
    'mmsd-plugin-good': { code: GOOD },
    'mmsd-plugin-throws': { code: `throw new Error('I cannot be imported');\nexport default {};` },
    'mmsd-plugin-shape': { code: `export default { name: 'shape', run() {} };` },
    '@acme/cjs': { type: 'commonjs', code: `module.exports = { name: 'cjs', apply() {} };` },
    'mmsd-plugin-shadowed': { code: `export default { name: 'shadowed-from-config-dir', apply() {} };` },
  });
  await packages(dataDir, {
    'mmsd-plugin-installed': { code: `export default { name: 'installed', apply() {} };` },
    'mmsd-plugin-shadowed': { code: `export default { name: 'shadowed-from-data-dir', apply() {} };` },
  });
  await packages(ownDir, { '@mmsd/plugin-builtin': { code: `export default { name: 'builtin', apply() {} };` } });
  await writeFile(join(configDir, 'local.mjs'), `export default { name: 'local', apply() {} };`);
  return { configDir, dataDir, ownDir, searchDirs: [configDir, dataDir, ownDir] };
}

test('plugins resolve by short name, full name, scope and path; config dir first, then data dir, then own', async (t) => {
  const dirs = await fixtureDirs(t);
  const loaded = await loadPlugins({
    entries: ['good', 'mmsd-plugin-installed', '@acme/cjs', './local.mjs', 'builtin', 'shadowed'],
    searchDirs: dirs.searchDirs,
    baseDir: dirs.configDir,
  });
  t.deepEqual(
    loaded.map((p) => p.plugin.name),
    ['good', 'installed', 'cjs', 'local', 'builtin', 'shadowed-from-config-dir'],
  );
  t.regex(loaded[1]!.file, /data\/node_modules\/mmsd-plugin-installed/);
});

test('options are validated and defaults from the schema filled in', async (t) => {
  const dirs = await fixtureDirs(t);
  const [good] = await loadPlugins({ entries: [['good', { host: 'x' }]], searchDirs: dirs.searchDirs, baseDir: dirs.configDir });
  t.deepEqual(good!.options, { host: 'x', port: 8080 });
});

test('a plugin that is not installed: EMMSD_PLUGIN_NOT_FOUND naming the plugin, the places and the config file', async (t) => {
  const dirs = await fixtureDirs(t);
  const error = await t.throwsAsync(loadPlugins({ entries: ['nope'], searchDirs: dirs.searchDirs, baseDir: dirs.configDir, configFile: '/etc/mmsd/config.yaml' }));
  t.is((error as { code?: string }).code, 'EMMSD_PLUGIN_NOT_FOUND');
  t.regex(error!.message, /plugin "nope" \(in \/etc\/mmsd\/config.yaml\) is not installed/);
  t.regex(error!.message, /@mmsd\/plugin-nope, mmsd-plugin-nope, nope/);
  t.regex((error as { hint?: string }).hint!, /mmsd plugins:install mmsd-plugin-nope/);
});

test('a plugin that throws while it is imported: EMMSD_PLUGIN_LOAD_FAILED with the cause', async (t) => {
  const dirs = await fixtureDirs(t);
  const error = await t.throwsAsync(loadPlugins({ entries: ['throws'], searchDirs: dirs.searchDirs, baseDir: dirs.configDir }));
  t.is((error as { code?: string }).code, 'EMMSD_PLUGIN_LOAD_FAILED');
  t.regex(error!.message, /plugin "throws" failed to load .*I cannot be imported/);
});

test('a module that is not a plugin: EMMSD_PLUGIN_INVALID saying what is missing', async (t) => {
  const dirs = await fixtureDirs(t);
  const error = await t.throwsAsync(loadPlugins({ entries: ['shape'], searchDirs: dirs.searchDirs, baseDir: dirs.configDir }));
  t.is((error as { code?: string }).code, 'EMMSD_PLUGIN_INVALID');
  t.regex(error!.message, /has no "apply\(hooks, ctx\)" function/);
});

test('bad options: EMMSD_PLUGIN_OPTIONS_INVALID naming each option', async (t) => {
  const dirs = await fixtureDirs(t);
  const error = await t.throwsAsync(
    loadPlugins({ entries: [['good', { port: 'eighty', colour: 'red' }]], searchDirs: dirs.searchDirs, baseDir: dirs.configDir, configFile: '/x/mmsd.yaml' }),
  );
  t.is((error as { code?: string }).code, 'EMMSD_PLUGIN_OPTIONS_INVALID');
  t.regex(error!.message, /plugin "good" \(in \/x\/mmsd.yaml\) has invalid options/);
  t.regex(error!.message, /options.port must be integer/);
  t.regex(error!.message, /unknown key "options.colour"/);
});

test('a malformed entry and a duplicate are refused', async (t) => {
  const dirs = await fixtureDirs(t);
  const bad = await t.throwsAsync(loadPlugins({ entries: [['good', 'not options']], searchDirs: dirs.searchDirs, baseDir: dirs.configDir }));
  t.is((bad as { code?: string }).code, 'EMMSD_PLUGIN_ENTRY_INVALID');
  t.regex(bad!.message, /plugins\[0\]/);
  const dup = await t.throwsAsync(loadPlugins({ entries: ['good', 'mmsd-plugin-good'], searchDirs: dirs.searchDirs, baseDir: dirs.configDir }));
  t.is((dup as { code?: string }).code, 'EMMSD_PLUGIN_DUPLICATE');
});

test('definePlugin (DESIGN §5) is exported by @mmsd/core and returns the plugin as it is', (t) => {
  const plugin = { name: 'typed', mmsd: '^0.1.0', apply() {} };
  t.is(definePlugin(plugin), plugin);
});

test("a plugin's mmsd range is checked when it loads: EMMSD_PLUGIN_INCOMPATIBLE names both versions; a range that is none is EMMSD_PLUGIN_INVALID", async (t) => {
  const root = await tempDir(t, 'mmsd-plugins-range-');
  await packages(root, {
    'mmsd-plugin-fits': { code: `export default { name: 'fits', mmsd: '>=${HOST_VERSION}', apply() {} };` },
    'mmsd-plugin-future': { code: `export default { name: 'future', mmsd: '^99.0.0', apply() {} };` },
    'mmsd-plugin-garbled': { code: `export default { name: 'garbled', mmsd: 'one point oh', apply() {} };` },
  });
  const load = (name: string) => loadPlugins({ entries: [name], searchDirs: [root], baseDir: root, configFile: '/x/mmsd.yaml' });
  t.is((await load('fits'))[0]!.plugin.name, 'fits');
  const future = await t.throwsAsync(load('future'));
  t.is((future as { code?: string }).code, 'EMMSD_PLUGIN_INCOMPATIBLE');
  t.is(future!.message, `plugin "future" (in /x/mmsd.yaml) works with mmsd ^99.0.0, and this is mmsd ${HOST_VERSION}`);
  t.regex((future as { hint?: string }).hint ?? '', /mmsd plugins:install future@<version>/);
  const garbled = await t.throwsAsync(load('garbled'));
  t.is((garbled as { code?: string }).code, 'EMMSD_PLUGIN_INVALID');
  t.regex(garbled!.message, /its "mmsd" \("one point oh"\) is not a semver range/);
});

test('a plugin whose apply throws: EMMSD_PLUGIN_APPLY_FAILED; apply gets scoped hooks and a context', async (t) => {
  const runtime = {
    config: { plugins: [] } as unknown as MmsdConfig,
    configDir: '/etc/mmsd',
    mode: 'run' as const,
    marathon: { endpoint: '', getApps: async () => [], getApp: async () => undefined },
    metrics: new AgentMetrics().helpers,
    getSnapshot: () => ({}) as Snapshot,
  };
  const error = await t.throwsAsync(
    PluginSet.create([{ plugin: { name: 'bad', apply: () => { throw new Error('nope'); } }, options: {}, request: 'bad', file: '/x' }], runtime),
  );
  t.is((error as { code?: string }).code, 'EMMSD_PLUGIN_APPLY_FAILED');

  let seen: { name?: string; mode?: string; options?: unknown } = {};
  const set = await PluginSet.create(
    [
      {
        plugin: {
          name: 'fine',
          apply(hooks, ctx) {
            seen = { name: ctx.name, mode: ctx.mode, options: ctx.options };
            hooks.onStart.tap('whatever', () => {});
          },
        },
        options: { a: 1 },
        request: 'fine',
        file: '/y',
      },
    ],
    runtime,
  );
  t.deepEqual(seen, { name: 'fine', mode: 'run', options: { a: 1 } });
  t.deepEqual(set.hooks.onStart.taps.map((tap) => tap.name), ['fine']);
  t.deepEqual(set.names, ['fine']);
});

test('reload: the new plugins get the new config directory in their context', async (t) => {
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'] });
  sim.loadApps(sampleApps());
  const seen: string[] = [];
  const plugin = (name: string): LoadedPlugin => ({
    plugin: { name, apply: (_hooks, ctx) => void seen.push(`${name} ${ctx.configDir}`) },
    options: {},
    request: name,
    file: '/test',
  });
  const config = testConfig([sim.url]);
  const agent = new Agent({ config, configDir: '/etc/old', plugins: [plugin('first')], resolver: createStaticResolver({}) });
  t.teardown(async () => {
    await agent.stop();
    await sim.close();
  });
  await agent.start();
  await agent.reload(config, '/etc/new', [plugin('second')]);
  t.deepEqual(seen, ['first /etc/old', 'second /etc/new']);
});

test('a plugin named by a directory path loads that package, relative to the config file directory', async (t) => {
  const dirs = await fixtureDirs(t);
  const pkg = join(dirs.configDir, '..', 'myplugin');
  await mkdir(join(pkg, 'dist'), { recursive: true });
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'mmsd-plugin-mine', type: 'module', main: 'dist/index.js' }));
  await writeFile(join(pkg, 'dist', 'index.js'), `export default { name: 'mine', apply() {} };`);
  const exported = join(dirs.configDir, 'plugins', 'x');
  await mkdir(exported, { recursive: true });
  await writeFile(join(exported, 'package.json'), JSON.stringify({ name: 'x', type: 'module', exports: { '.': './plugin.js' } }));
  await writeFile(join(exported, 'plugin.js'), `export default { name: 'x', apply() {} };`);
  const loaded = await loadPlugins({ entries: ['../myplugin', './plugins/x/'], searchDirs: dirs.searchDirs, baseDir: dirs.configDir, configFile: join(dirs.configDir, 'mmsd.yaml') });
  t.deepEqual(loaded.map((p) => p.plugin.name), ['mine', 'x']);
  t.is(loaded[0]!.file, join(pkg, 'dist', 'index.js'));
});

test('a plugin path that does not exist, is not a package, or is not built: the hint says which', async (t) => {
  const dirs = await fixtureDirs(t);
  const configFile = join(dirs.configDir, 'mmsd.yaml');
  const load = (entry: string) => t.throwsAsync(loadPlugins({ entries: [entry], searchDirs: dirs.searchDirs, baseDir: dirs.configDir, configFile }));

  const missing = (await load('../nothere')) as MmsdError;
  t.is(missing.code, 'EMMSD_PLUGIN_NOT_FOUND');
  t.is(missing.message, `plugin "../nothere" (in ${configFile}): ${join(dirs.configDir, '..', 'nothere')} does not exist`);
  t.regex(missing.hint!, new RegExp(`relative plugin path is resolved from the config file's directory ${dirs.configDir}; fix the path`));

  const noExtension = (await load('./local')) as MmsdError;
  t.is(noExtension.code, 'EMMSD_PLUGIN_NOT_FOUND');
  t.is(noExtension.hint, 'name the file with its extension: "./local.mjs"');

  await mkdir(join(dirs.configDir, 'empty'));
  const notPackage = (await load('./empty')) as MmsdError;
  t.is(notPackage.code, 'EMMSD_PLUGIN_NOT_FOUND');
  t.regex(notPackage.message, /empty is a directory without a package\.json/);
  t.regex(notPackage.hint!, /name the plugin's module file \(e\.g\. "\.\/empty\/index\.js"\)/);

  const unbuilt = join(dirs.configDir, 'unbuilt');
  await mkdir(unbuilt);
  await writeFile(join(unbuilt, 'package.json'), JSON.stringify({ name: 'unbuilt', main: 'dist/index.js' }));
  const notBuilt = (await load('./unbuilt')) as MmsdError;
  t.is(notBuilt.code, 'EMMSD_PLUGIN_LOAD_FAILED');
  t.regex(notBuilt.message, /its entry file .*unbuilt\/dist\/index\.js does not exist/);
  t.regex(notBuilt.hint!, /^build the plugin/);
});
