// The packages as they would be published: what each tarball holds, and an install from the
// tarballs alone (packaging/install.sh, the Dockerfile's own step) into an empty prefix whose
// `mmsd` runs: --version, render against a simulator, and plugins:install of a tarball.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MarathonSimulator, sampleApps } from '@mmsd/marathon-sim';
import { scratch } from './helpers/env.js';
import { REPO_ROOT } from './helpers/paths.js';

const run = promisify(execFile);

interface Manifest {
  name: string;
  version: string;
  license?: string;
  repository?: { url?: string; directory?: string };
  engines?: { node?: string };
  publishConfig?: { access?: string };
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}

test('every package packs with README, LICENSE, repository, engines and a prepack build; installed from the tarballs alone, mmsd runs', async (t) => {
  const s = await scratch(t);
  const packs = join(s.dir, 'tarballs');
  await run('mkdir', ['-p', packs]);
  await run('npm', ['pack', '--workspaces', '--pack-destination', packs, '--silent'], { cwd: REPO_ROOT, maxBuffer: 16 << 20 });
  const tarballs = (await readdir(packs)).filter((f) => f.endsWith('.tgz')).sort();
  const workspaces = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
  t.true(tarballs.length >= 8 && workspaces.length >= 4, tarballs.join(', '));
  const license = await readFile(join(REPO_ROOT, 'LICENSE'), 'utf8');
  for (const tarball of tarballs) {
    const file = join(packs, tarball);
    const list = (await run('tar', ['tzf', file])).stdout.split('\n').filter(Boolean);
    const read = async (path: string) => (await run('tar', ['-xOzf', file, `package/${path}`], { maxBuffer: 16 << 20 })).stdout;
    const pkg = JSON.parse(await read('package.json')) as Manifest;
    t.true(list.includes('package/README.md'), `${pkg.name}: README.md`);
    t.is(await read('LICENSE'), license, `${pkg.name}: the repository's LICENSE`);
    t.true(list.some((p) => p.startsWith('package/dist/') && p.endsWith('.js')), `${pkg.name}: built (prepack)`);
    t.false(list.some((p) => /^package\/(src|test)\//.test(p)), `${pkg.name}: no sources or tests`);
    t.is(pkg.license, 'MIT', pkg.name);
    t.regex(pkg.repository?.url ?? '', /^git\+https:\/\/github\.com\/.+\.git$/, pkg.name);
    t.truthy(pkg.repository?.directory, pkg.name);
    t.is(pkg.engines?.node, '>=20.19', pkg.name);
    t.is(pkg.scripts?.prepack, 'node ../../scripts/prepack.mjs', pkg.name);
    if (pkg.name.startsWith('@mmsd/')) t.is(pkg.publishConfig?.access, 'public', pkg.name);
    if (pkg.name === 'mmsd') t.true(list.includes('package/oclif.manifest.json'), 'the CLI carries its oclif manifest');
  }

  const prefix = join(s.dir, 'prefix');
  const installed = await run(join(REPO_ROOT, 'packaging', 'install.sh'), [prefix, packs], { maxBuffer: 16 << 20, timeout: 240_000 });
  const version = (JSON.parse(await readFile(join(REPO_ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as Manifest).version;
  t.regex(installed.stdout, new RegExp(`^mmsd/${version.replace(/\./g, '\\.')} `, 'm'));
  const mmsd = join(prefix, 'bin', 'mmsd');
  // Nothing of the repository is in reach of the installed CLI: it runs from the prefix, elsewhere.
  const env = { ...process.env, ...s.env, DEBUG: '', NODE_OPTIONS: '' };
  t.regex((await run(mmsd, ['--version'], { env, cwd: s.dir })).stdout, new RegExp(`^mmsd/${version.replace(/\./g, '\\.')} linux`));

  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'] });
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());
  const render = await run(mmsd, ['render', '--marathon', sim.url, '--upstream-confd', join(s.dir, 'confd')], { env, cwd: s.dir });
  t.regex(render.stdout, /^==> .*\/confd\/developer\.trapni\.php\.instances \(upstream-confd\) <==$/m);
  t.true((render.stdout.match(/^==> /gm) ?? []).length >= 5, 'a file per service');

  const relay = tarballs.find((f) => f.startsWith('mmsd-plugin-relay-'))!;
  const install = await run(mmsd, ['plugins:install', `file:${join(packs, relay)}`], { env, cwd: s.dir, timeout: 120_000 });
  t.regex(`${install.stdout}${install.stderr}`, /installed v\d/);
  // oclif colours the version where it thinks a CI can show colours (CI=true).
  const listed = (await run(mmsd, ['plugins'], { env, cwd: s.dir })).stdout.replace(/\u001b\[[0-9;]*m/g, '');
  t.regex(listed, /@mmsd\/plugin-relay \d/);
});

test('the Dockerfile builds with the steps this suite runs: npm pack --workspaces, then packaging/install.sh', async (t) => {
  const dockerfile = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  t.regex(dockerfile, /npm pack --workspaces --pack-destination \/tarballs/);
  t.regex(dockerfile, /\/tmp\/install\.sh \/opt\/mmsd \/tmp\/tarballs/);
  t.regex(dockerfile, /^USER mmsd$/m, 'not root');
  t.regex(dockerfile, /^ENTRYPOINT \["mmsd"\]$/m, 'docker run … --marathon-host=… works as the seed said');
  for (const pkg of ['haproxy', 'nginx-light', 'libnginx-mod-stream', 'libnginx-mod-http-lua']) t.true(dockerfile.includes(pkg), pkg);
});

test('one version for every package (lerna fixed mode), and the packages depend on each other by exactly it', async (t) => {
  const lerna = JSON.parse(await readFile(join(REPO_ROOT, 'lerna.json'), 'utf8')) as { version: string; command?: { version?: { exact?: boolean } } };
  t.true(lerna.command?.version?.exact, 'lerna pins the internal dependencies exactly');
  const { workspaces } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  const dirs = (await Promise.all(workspaces.map(async (w) => (w.endsWith('/*') ? (await readdir(join(REPO_ROOT, w.slice(0, -2)))).map((d) => join(w.slice(0, -2), d)) : [w])))).flat();
  const manifests = await Promise.all(dirs.map(async (d) => JSON.parse(await readFile(join(REPO_ROOT, d, 'package.json'), 'utf8')) as Manifest & { devDependencies?: Record<string, string> }));
  const ours = new Set(manifests.map((m) => m.name));
  for (const m of manifests) {
    t.is(m.version, lerna.version, m.name);
    for (const [dep, range] of Object.entries({ ...m.dependencies, ...m.devDependencies })) if (ours.has(dep)) t.is(range, lerna.version, `${m.name} → ${dep}`);
  }
});
