import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MarathonSimulator, SAMPLE_AGENTS, sampleApps } from '@mmsd/marathon-sim';
import { HOOK_TABLE } from '@mmsd/core';
import { AgentMetrics, loadConfig, loadPlugins, PluginSet, renderArtifacts, syncOnce } from '@mmsd/core/host';
import { createStaticResolver, StateStore } from '@mmsd/core/testing';
import type { MarathonApp } from '@mmsd/core';
import { REPO_ROOT } from './helpers/paths.js';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/env.js';
import { tempDir } from './helpers/tmp.js';

const DOCS = join(REPO_ROOT, 'docs');
const EXAMPLE = join(DOCS, 'examples', 'mmsd-plugin-service-count');

function blocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

test('the hooks table of writing-a-plugin.md is HOOK_TABLE, row for row', async (t) => {
  const markdown = await readFile(join(DOCS, 'writing-a-plugin.md'), 'utf8');
  const rows = markdown.split('\n').filter((line) => /^\| `on[A-Z]/.test(line));
  t.deepEqual(
    rows,
    Object.entries(HOOK_TABLE).map(([name, spec]) => `| \`${name}\` | ${spec.shown} | ${spec.when} | ${spec.render ? 'yes' : 'no'} |`),
  );
});

test('every mmsd config shown in the docs is accepted', async (t) => {
  const dir = await tempDir(t, 'mmsd-docs-');
  let checked = 0;
  for (const file of (await readdir(DOCS)).filter((f) => f.endsWith('.md'))) {
    const markdown = await readFile(join(DOCS, file), 'utf8');
    for (const [i, yaml] of blocks(markdown, 'yaml').entries()) {
      if (!/^(marathon|plugins|groups):/m.test(yaml)) continue;
      const path = join(dir, `${file}-${i}.yaml`);
      await writeFile(path, yaml);
      const loaded = await loadConfig({ configFile: path });
      checked++;
      // Options of mmsd's own handlers are checked against their schemas too.
      const names = loaded.config.plugins.map((p) => (typeof p === 'string' ? p : p[0]));
      if (names.every((n) => /^(@mmsd\/plugin-)?(logger|upstream-confd|haproxy)$/.test(n))) {
        await t.notThrowsAsync(
          loadPlugins({ entries: loaded.config.plugins, searchDirs: [join(REPO_ROOT, 'packages', 'cli')], baseDir: dir }),
          `${file}, yaml block ${i}: plugins`,
        );
      }
    }
    for (const [i, json] of blocks(markdown, 'json').entries()) {
      const value = JSON.parse(json) as { mmsd?: unknown };
      if (!value.mmsd) continue;
      const project = join(dir, `${file}-json-${i}`);
      await mkdir(project, { recursive: true });
      await writeFile(join(project, 'package.json'), json);
      await t.notThrowsAsync(loadConfig({ cwd: project, systemDir: join(dir, 'none') }), `${file}, json block ${i}`);
      checked++;
    }
  }
  t.true(checked >= 4, `${checked} configs checked`);
});

test('the example plugin in writing-a-plugin.md is the file in docs/examples, and it works', async (t) => {
  const markdown = await readFile(join(DOCS, 'writing-a-plugin.md'), 'utf8');
  const shown = blocks(markdown, 'js').find((b) => b.startsWith('// docs/examples/mmsd-plugin-service-count/index.js'))!;
  const file = await readFile(join(EXAMPLE, 'index.js'), 'utf8');
  t.is(shown.replace(/^\/\/ docs\/examples\/.*\n/, ''), file);

  const out = await tempDir(t, 'mmsd-example-');
  const [loaded] = await loadPlugins({ entries: [['./index.js', { dir: out }]], searchDirs: [EXAMPLE], baseDir: EXAMPLE });
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver({}) });
  store.replaceAll(sampleApps().apps as unknown as MarathonApp[]);
  const { snapshot, changes } = store.publish()!;
  const set = await PluginSet.create([loaded!], {
    config: {} as never,
    configDir: EXAMPLE,
    mode: 'run',
    marathon: { endpoint: '', getApps: async () => [], getApp: async () => undefined },
    metrics: new AgentMetrics().helpers,
    getSnapshot: () => snapshot,
  });
  const [artifact] = await set.hooks.onRender.promise([], snapshot);
  t.is(artifact!.path, join(out, 'service-count.txt'));
  t.regex(artifact!.content, /^developer\.trapni\.php 2\ndeveloper\.trapni\.php_1 2\n/);
  await set.hooks.onSnapshot.promise(snapshot, changes);
  t.is(await readFile(join(out, 'service-count.txt'), 'utf8'), artifact!.content, 'run writes exactly what render shows');
});

test('the unit test shown in writing-a-plugin.md is the example\'s own test file (which ava runs)', async (t) => {
  const markdown = await readFile(join(DOCS, 'writing-a-plugin.md'), 'utf8');
  t.true(blocks(markdown, 'js').includes(await readFile(join(EXAMPLE, 'index.test.js'), 'utf8')));
});

test('the "Testing it" recipe of writing-a-plugin.md works as written', async (t) => {
  const sim = await MarathonSimulator.start();
  t.teardown(() => sim.close());
  sim.loadApps(sampleApps());
  const { config } = await loadConfig({ overrides: { endpoints: [sim.url] }, systemDir: '/nonexistent' });
  const plugins = await loadPlugins({ entries: [['./index.js', { dir: '/tmp' }]], searchDirs: [EXAMPLE], baseDir: EXAMPLE });
  const [file] = await renderArtifacts(config, EXAMPLE, plugins, await syncOnce(config));
  t.regex(file!.content, /^developer\.trapni\.php 2$/m);
});

test('the example config with a plugin path works with `mmsd render`', async (t) => {
  const sim = await MarathonSimulator.start();
  t.teardown(() => sim.close());
  sim.loadApps(sampleApps());
  const s = await scratch(t);
  await cp(EXAMPLE, join(s.dir, 'mmsd-plugin-service-count'), { recursive: true });
  const config = await s.write(
    'mmsd.yaml',
    `marathon: { endpoints: [${sim.url}] }\nplugins:\n  - logger\n  - ["./mmsd-plugin-service-count/index.js", { dir: /var/run/mmsd }]\n`,
  );
  const { code, stdout, stderr } = await runCli(['render', '--config', config], { env: s.env });
  t.is(code, 0, stderr);
  t.regex(stdout, /^==> \/var\/run\/mmsd\/service-count\.txt \(service-count\) <==\ndeveloper\.trapni\.php 2\n/);
});

/**
 * The template a page shows is the file in docs/examples, and `mmsd render` renders it against
 * the sample cluster: the rendered text, written to `out` for the program's own check.
 */
async function renderedExample(t: ExecutionContext, page: string, file: string, plugin: string, options: (dir: string) => { configFile: string } & Record<string, unknown>): Promise<{ text: string; out: string; dir: string }> {
  const [shown] = blocks(await readFile(join(DOCS, page), 'utf8'), 'ejs');
  t.is(shown, await readFile(file, 'utf8'), `the template in ${page} is ${file}`);
  const sim = await MarathonSimulator.start();
  t.teardown(() => sim.close());
  sim.loadApps(sampleApps());
  const s = await scratch(t);
  const pluginOptions = { template: file, ...options(s.dir) };
  const out = pluginOptions.configFile;
  const config = await s.write('mmsd.yaml', `marathon: { endpoints: [${sim.url}] }\ndns: { hosts: ${JSON.stringify(SAMPLE_AGENTS)} }\nplugins:\n  - ["${plugin}", ${JSON.stringify(pluginOptions)}]\n`);
  const rendered = await runCli(['render', '--config', config], { env: s.env });
  t.is(rendered.code, 0, rendered.stderr);
  t.true(rendered.stdout.startsWith(`==> ${out} (${plugin.replace('@mmsd/plugin-', '')}) <==\n`));
  const text = `${rendered.stdout.split('\n').slice(1).join('\n')}\n`;
  await writeFile(out, text);
  return { text, out, dir: s.dir };
}

test('the template in nginx.md is docs/examples/nginx/minimal.conf.ejs, and what it renders passes nginx -t', async (t) => {
  const { text, out, dir } = await renderedExample(t, 'nginx.md', join(DOCS, 'examples', 'nginx', 'minimal.conf.ejs'), '@mmsd/plugin-nginx', (d) => ({
    configFile: join(d, 'nginx.conf'),
    pidFile: join(d, 'nginx.pid'),
    logFile: join(d, 'nginx.log'),
    tempDir: join(d, 'temp'),
  }));
  await mkdir(join(dir, 'temp'));
  t.regex(text, /upstream developer\.trapni\.php \{\n {4}server \d+\.\d+\.\d+\.\d+:\d+;/);
  const check = spawnSync('nginx', ['-t', '-e', join(dir, 'nginx.log'), '-c', out], { encoding: 'utf8' });
  t.is(check.status, 0, check.stdout + check.stderr);
});

test('the template in haproxy.md is docs/examples/haproxy/minimal.cfg.ejs, and what it renders passes haproxy -c', async (t) => {
  const { text, out } = await renderedExample(t, 'haproxy.md', join(DOCS, 'examples', 'haproxy', 'minimal.cfg.ejs'), '@mmsd/plugin-haproxy', (d) => ({ configFile: join(d, 'haproxy.cfg') }));
  t.regex(text, /^listen developer\.trapni\.php\n {2}bind 0\.0\.0\.0:\d+\n {2}balance roundrobin\n {2}server /m);
  const check = spawnSync('haproxy', ['-c', '-f', out], { encoding: 'utf8' });
  t.is(check.status, 0, check.stdout + check.stderr);
});

test('packaging/config.yaml, the sample config: accepted as it is and with every key uncommented, and it names every key', async (t) => {
  const { configSchema } = await import('@mmsd/core/host');
  const sample = await readFile(join(REPO_ROOT, 'packaging', 'config.yaml'), 'utf8');
  const dir = await tempDir(t, 'mmsd-sample-');
  // `# key: value`, `# - "item"` and `# - [item]` lines are settings; other comments are prose.
  const uncommented = sample
    .split('\n')
    .map((line) => line.replace(/^(\s*)# ?(\s*)((?:- )+["[]|(?:- )*[a-zA-Z"@][\w@/".-]*:(?: |$))/, '$1$2$3'))
    .join('\n');
  t.not(uncommented, sample);
  const keys = new Set<string>();
  for (const [name, text] of [['as it is', sample], ['uncommented', uncommented]] as const) {
    const path = join(dir, `${name.replace(' ', '-')}.yaml`);
    await writeFile(path, text);
    const loaded = await loadConfig({ configFile: path });
    const plugins = await loadPlugins({ entries: loaded.config.plugins, searchDirs: [join(REPO_ROOT, 'packages', 'cli')], baseDir: dir });
    if (name === 'uncommented') {
      t.deepEqual(plugins.map((p) => p.plugin.name).sort(), ['haproxy', 'logger', 'nginx', 'relay', 'upstream-confd']);
      for (const p of plugins) for (const key of Object.keys((p.plugin.optionsSchema as { properties?: object } | undefined)?.properties ?? {})) keys.add(`${p.plugin.name}: ${key}`);
    }
  }
  const collect = (schema: { properties?: Record<string, unknown> }, prefix: string) => {
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (key === '$schema' || key === 'coalesceMaxWait') continue; // the editor's hint; accepted and ignored
      keys.add(`${prefix}${key}`);
      collect(sub as { properties?: Record<string, unknown> }, `${prefix}${key}.`);
    }
  };
  collect(configSchema as { properties?: Record<string, unknown> }, '');
  const missing = [...keys].filter((key) => !new RegExp(`(^|[\\s{,#-])${key.split(/[.:] ?/).at(-1)}:`, 'm').test(sample));
  t.deepEqual(missing, [], 'every key of the config and of the bundled handlers appears in the sample');
  t.true(keys.size > 60, `${keys.size} keys`);
});
