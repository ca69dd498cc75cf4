#!/usr/bin/env node
// What `npm start` and `npm test` need on a fresh clone: dependencies (npm ci, once), a build
// (tsc -b, then the CLI's command manifest), and for the tests the real HAProxy, nginx and Redis (installed with apt-get when
// missing and this runs as root, e.g. in CI).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forTests = process.argv.includes('--test');
const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`bootstrap: ${command} ${args.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
};

const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000) {
  console.error('bootstrap: installing dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
run(process.execPath, [join(root, 'scripts', 'oclif-manifest.mjs')]);

if (forTests) {
  const which = (bin) => spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`], { stdio: 'ignore' }).status === 0;
  // systemd-analyze checks the unit in packaging/ (test/packaging.test.ts).
  const wanted = { haproxy: 'haproxy', nginx: 'nginx-light', 'redis-server': 'redis-server', openssl: 'openssl', 'systemd-analyze': 'systemd' };
  const missing = Object.entries(wanted).filter(([bin]) => !which(bin)).map(([, pkg]) => pkg);
  // nginx-light's stream module (TCP services, the SNI gateway) and the Lua module (the nginx
  // handler's reload-free path) are packages of their own; .ci/run installs the same.
  const modules = { 'ngx_stream_module.so': 'libnginx-mod-stream', 'ngx_http_lua_module.so': 'libnginx-mod-http-lua' };
  for (const [file, pkg] of Object.entries(modules)) if (!existsSync(`/usr/lib/nginx/modules/${file}`)) missing.push(pkg);
  if (missing.length > 0) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (isRoot && which('apt-get')) {
      console.error(`bootstrap: installing ${missing.join(', ')} with apt-get`);
      run('apt-get', ['update', '-qq']);
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } else {
      console.error(`bootstrap: the end-to-end tests need ${missing.join(', ')}: sudo apt-get install ${missing.join(' ')}`);
    }
  }
}
