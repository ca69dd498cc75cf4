// A third-party handler, end to end as its author would go: `mmsd plugins:new`, its own tests,
// `npm pack`, `mmsd plugins:install file:….tgz`, enabled in an /etc/mmsd-style config, and a
// real run where it gets onSnapshot and onTaskChanged. Then broken plugins: each is refused
// with its own code, naming the plugin and the config file; a refused install leaves nothing.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MarathonSimulator, sampleApps } from '@mmsd/marathon-sim';
import { runCli, startCli } from './helpers/cli.js';
import { scratch } from './helpers/env.js';
import { waitFor } from './helpers/wait.js';

function npm(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const { NODE_OPTIONS: _, ...env } = process.env;
  return spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...env, NODE_ENV: '' } });
}

test('plugins:new → its own tests pass → packed → plugins:install → enabled in /etc/mmsd/config.yaml → it gets onSnapshot and onTaskChanged in a run', async (t) => {
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'], heartbeatInterval: 1000 });
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());
  const s = await scratch(t);
  const created = await runCli(['plugins:new', 'inventory', '--dir', s.dir], { env: s.env });
  t.is(created.code, 0, created.stderr);
  const pkg = join(s.dir, 'mmsd-plugin-inventory');
  t.regex(created.stdout, /created .*mmsd-plugin-inventory: a plugin "inventory" for mmsd \^0\.\d+/);
  const ownTests = npm(['test'], pkg);
  t.is(ownTests.status, 0, `${ownTests.stdout}${ownTests.stderr}`);
  t.regex(ownTests.stdout, /# pass 3/);
  const packed = npm(['pack', '--silent'], pkg);
  t.is(packed.status, 0, packed.stderr);
  const tarball = join(pkg, packed.stdout.trim().split('\n').pop()!);
  const install = await runCli(['plugins:install', `file:${tarball}`], { env: s.env });
  t.is(install.code, 0, install.stderr);

  // The system config directory (MMSD_CONFIG_DIR stands in for /etc/mmsd): no --config needed.
  const out = join(s.dir, 'run', 'services.txt');
  await mkdir(s.env.MMSD_CONFIG_DIR!, { recursive: true });
  await writeFile(join(s.env.MMSD_CONFIG_DIR!, 'config.yaml'), `marathon: { endpoints: [${sim.url}], streamTimeout: 5 }\nplugins:\n  - [inventory, { file: ${out} }]\n`);
  const cli = startCli(['run'], { env: s.env, cwd: s.dir });
  t.teardown(() => cli.stop('SIGKILL'));
  await cli.line(new RegExp(`config file ${join(s.env.MMSD_CONFIG_DIR!, 'config.yaml').replace(/[.]/g, '\\.')}`), { stream: 'err' });
  const first = await waitFor(async () => (existsSync(out) ? readFile(out, 'utf8') : undefined), { what: 'the file written from onSnapshot' });
  t.regex(first, /^developer\.trapni\.php 10001 /m);

  const id = await sim.launchTask('/developer/trapni/php', { host: '127.0.0.1', ports: [31999] });
  await cli.line(new RegExp(`mmsd:plugin:inventory:info task ${id.replace(/[.]/g, '\\.')} of /developer/trapni/php added`), { stream: 'err' });
  await sim.setHealth(id, true);
  await waitFor(async () => /127\.0\.0\.1:31999/.test(await readFile(out, 'utf8')), { what: 'the new task in the file' });
  // Its health came as a change of its own, or with its start in one batch when the machine is busy.
  await cli.line(new RegExp(`task ${id.replace(/[.]/g, '\\.')} of /developer/trapni/php (added|updated) \\(health up\\)`), { stream: 'err' });
});

const BROKEN: { name: string; file: string; code: string; options?: Record<string, unknown>; says: RegExp; errorCode: string }[] = [
  { name: 'throws on import', file: 'throws.mjs', code: "throw new Error('boom while importing');\n", says: /failed to load from .*throws\.mjs: boom while importing/, errorCode: 'EMMSD_PLUGIN_LOAD_FAILED' },
  { name: 'no default export', file: 'nodefault.mjs', code: 'export const name = 1;\n', says: /is not an mmsd plugin: it has no default export \(its exports: name\)/, errorCode: 'EMMSD_PLUGIN_INVALID' },
  { name: 'wrong shape', file: 'shape.mjs', code: "export default { name: 'shape' };\n", says: /is not an mmsd plugin: it has no "apply\(hooks, ctx\)" function/, errorCode: 'EMMSD_PLUGIN_INVALID' },
  { name: 'wrong host version', file: 'old.mjs', code: "export default { name: 'old', mmsd: '^99.0.0', apply() {} };\n", says: /works with mmsd \^99\.0\.0, and this is mmsd \d/, errorCode: 'EMMSD_PLUGIN_INCOMPATIBLE' },
  {
    name: 'bad options',
    file: 'opts.mjs',
    code: "export default { name: 'opts', optionsSchema: { type: 'object', properties: { port: { type: 'integer' } } }, apply() {} };\n",
    options: { port: 'eighty' },
    says: /has invalid options: options\.port must be integer/,
    errorCode: 'EMMSD_PLUGIN_OPTIONS_INVALID',
  },
  { name: 'bad schema', file: 'schema.mjs', code: "export default { name: 'schema', optionsSchema: { type: 'object', properties: { a: { type: 'nope' } } }, apply() {} };\n", says: /has an invalid optionsSchema: /, errorCode: 'EMMSD_PLUGIN_INVALID' },
  { name: 'a directory path', file: 'somedir/', code: '', says: /somedir is a directory without a package\.json, so there is nothing to load/, errorCode: 'EMMSD_PLUGIN_NOT_FOUND' },
];

test('broken plugins: each refused with its own code, naming the plugin and the config file; a refused install leaves nothing installed', async (t) => {
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'] });
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());
  const s = await scratch(t);
  const etc = s.env.MMSD_CONFIG_DIR!;
  await mkdir(etc, { recursive: true });
  const config = join(etc, 'config.yaml');
  for (const c of BROKEN) {
    if (c.file.endsWith('/')) await mkdir(join(etc, c.file), { recursive: true });
    else await writeFile(join(etc, c.file), c.code);
    const entry = c.options ? `["./${c.file}", ${JSON.stringify(c.options)}]` : `"./${c.file}"`;
    await writeFile(config, `marathon: { endpoints: [${sim.url}] }\nplugins: [${entry}]\n`);
    const run = await runCli(['render'], { env: s.env, cwd: s.dir });
    t.is(run.code, 2, `${c.name}: exit status 2 (bad input)`);
    t.regex(run.stderr, c.says, c.name);
    t.regex(run.stderr, /^Error: plugin "[^"]+"/m, `${c.name}: names the plugin`);
    t.true(run.stderr.includes(`(in ${config})`), `${c.name}: names the config file\n${run.stderr}`);
    t.regex(run.stderr, new RegExp(`^Code: ${c.errorCode}$`, 'm'), c.name);
    t.regex(run.stderr, /^Hint: \S/m, `${c.name}: says what to do`);
  }

  // A package that throws when imported is refused by plugins:install and removed again.
  const pkg = join(s.dir, 'mmsd-plugin-explodes');
  await mkdir(pkg, { recursive: true });
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'mmsd-plugin-explodes', version: '1.0.0', type: 'module', main: 'index.js', oclif: {}, files: ['index.js'] }));
  await writeFile(join(pkg, 'index.js'), "throw new Error('boom while importing');\n");
  const packed = npm(['pack', '--silent'], pkg);
  t.is(packed.status, 0, packed.stderr);
  const install = await runCli(['plugins:install', `file:${join(pkg, packed.stdout.trim().split('\n').pop()!)}`], { env: s.env });
  t.is(install.code, 2, install.stderr);
  t.regex(install.stderr, /boom while importing/);
  t.false(existsSync(join(s.env.MMSD_DATA_DIR!, 'node_modules', 'mmsd-plugin-explodes')), 'not left installed');
  t.regex((await runCli(['plugins'], { env: s.env })).stdout, /No plugins installed/);
});
