// The service files in packaging/: the systemd unit passes `systemd-analyze verify` and has what
// an operator relies on; the OpenRC script parses, and its functions, run against a fake
// start-stop-daemon, signal what they should.
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { scratch } from './helpers/env.js';
import { REPO_ROOT } from './helpers/paths.js';

const repoPath = (path: string) => join(REPO_ROOT, path);

const run = promisify(execFile);

/** The unit's settings, `Key=value` by section (later values of a key appended). */
function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) section = header[1]!;
    const setting = /^(\w+)=(.*)$/.exec(line);
    if (setting) settings.set(`${section}.${setting[1]}`, [...(settings.get(`${section}.${setting[1]}`) ?? []), setting[2]!]);
  }
  return settings;
}

/**
 * What `systemd-analyze verify` says of the unit, with `dropIn` appended (a drop-in's sections
 * are read as if appended to the unit). Verify reports bad values as warnings, with exit code 0.
 */
async function verify(t: Parameters<typeof scratch>[0], dropIn = ''): Promise<string> {
  const s = await scratch(t);
  const unit = await readFile(repoPath('packaging/systemd/mmsd.service'), 'utf8');
  // verify wants the ExecStart program to exist: a stand-in for /usr/bin/mmsd.
  const bin = await s.write('mmsd', '#!/bin/sh\n');
  await chmod(bin, 0o755);
  const file = await s.write('mmsd.service', `${unit.replace('ExecStart=/usr/bin/mmsd ', `ExecStart=${bin} `)}${dropIn ? `\n${dropIn}` : ''}`);
  const { stdout, stderr } = await run('systemd-analyze', ['verify', file], { env: { ...process.env, SYSTEMD_LOG_LEVEL: 'notice' } });
  return `${stdout}${stderr}`.trim();
}

test('the systemd unit passes systemd-analyze verify, without a warning', async (t) => {
  const unit = await readFile(repoPath('packaging/systemd/mmsd.service'), 'utf8');
  t.true(unit.includes('ExecStart=/usr/bin/mmsd '), 'mmsd where packages put it');
  t.is(await verify(t), '', 'no complaint');
});

test('the systemd unit: HAProxy and nginx outlive mmsd, SIGHUP reloads, restarts on failure, low ports with one capability, runtime dirs kept', async (t) => {
  const settings = unitSettings(await readFile(repoPath('packaging/systemd/mmsd.service'), 'utf8'));
  const one = (key: string) => settings.get(key)?.at(-1);
  t.is(one('Service.KillMode'), 'process');
  t.is(one('Service.ExecReload'), '/bin/kill -HUP $MAINPID');
  t.is(one('Service.Restart'), 'on-failure');
  t.is(one('Service.AmbientCapabilities'), 'CAP_NET_BIND_SERVICE');
  t.is(one('Service.CapabilityBoundingSet'), 'CAP_NET_BIND_SERVICE', 'no other capability');
  t.is(one('Service.NoNewPrivileges'), 'yes');
  t.is(one('Service.ProtectSystem'), 'strict');
  t.is(one('Service.RuntimeDirectory'), 'mmsd', '/run/mmsd (/var/run/mmsd) writable under ProtectSystem=strict');
  t.is(one('Service.RuntimeDirectoryPreserve'), 'yes', 'the admin socket and server states survive a restart of mmsd');
  t.is(one('Service.LogsDirectory'), 'mmsd');
  t.is(one('Service.StateDirectory'), 'mmsd');
  t.is(one('Service.Environment'), 'MMSD_DATA_DIR=/var/lib/mmsd', 'installed plugins and the state in the StateDirectory');
  t.is(one('Install.WantedBy'), 'multi-user.target');
});

test('the real-time drop-in: the unit with it passes systemd-analyze verify; mmsd and what it starts in SCHED_FIFO at a low priority', async (t) => {
  const dropIn = await readFile(repoPath('packaging/systemd/realtime.conf'), 'utf8');
  t.is(await verify(t, dropIn), '');
  const settings = unitSettings(dropIn);
  t.deepEqual([...settings.keys()].sort(), ['Service.CPUSchedulingPolicy', 'Service.CPUSchedulingPriority', 'Service.CPUSchedulingResetOnFork'], 'nothing else changed');
  t.is(settings.get('Service.CPUSchedulingPolicy')?.[0], 'fifo');
  const priority = Number(settings.get('Service.CPUSchedulingPriority')?.[0]);
  t.true(priority >= 1 && priority < 50, 'below the kernel threads of the real-time band (50)');
  t.is(settings.get('Service.CPUSchedulingResetOnFork')?.[0], 'no', 'HAProxy and nginx inherit it');
  t.true(dropIn.includes('/etc/systemd/system/mmsd.service.d/realtime.conf'), 'says where it goes');
});

test('the OpenRC script parses, and reload, depend and start_pre do what they say (against a fake start-stop-daemon)', async (t) => {
  const s = await scratch(t);
  const script = repoPath('packaging/openrc/mmsd');
  await run('sh', ['-n', script]);
  const calls = join(s.dir, 'calls');
  for (const tool of ['start-stop-daemon', 'checkpath']) {
    const fake = await s.write(tool, `#!/bin/sh\necho "${tool} $*" >> ${calls}\n`);
    await chmod(fake, 0o755);
  }
  const config = await s.write('config.yaml', 'plugins: []\n');
  // openrc-run's helpers, as shell functions; the script is sourced as openrc-run does.
  const prelude = 'ebegin() { echo "ebegin $*" >> "$CALLS"; }; eend() { echo "eend $1" >> "$CALLS"; return "$1"; }; eerror() { echo "eerror $*" >&2; }; need() { echo "need $*" >> "$CALLS"; }; after() { echo "after $*" >> "$CALLS"; }; RC_SVCNAME=mmsd;';
  const sh = (body: string, env: Record<string, string> = {}) =>
    run('sh', ['-c', `${prelude} . "${script}"; ${body}`], { env: { PATH: `${s.dir}:${process.env.PATH}`, CALLS: calls, ...env } });

  const vars = await sh('echo "$command|$command_args|$command_user|$pidfile|$command_background"', { MMSD_CONFIG: config });
  t.is(vars.stdout.trim(), `/usr/bin/mmsd|run --config ${config} |mmsd:mmsd|/run/mmsd.pid|yes`);
  await sh('reload && depend && start_pre', { MMSD_CONFIG: config });
  t.deepEqual((await readFile(calls, 'utf8')).trim().split('\n'), [
    'ebegin Reloading mmsd configuration',
    'start-stop-daemon --signal HUP --pidfile /run/mmsd.pid',
    'eend 0',
    'need net',
    'after firewall',
    'checkpath --directory --owner mmsd:mmsd --mode 0755 /run/mmsd /var/log/mmsd /var/lib/mmsd',
  ]);
  const missing = await sh('start_pre; echo "rc=$?"', { MMSD_CONFIG: join(s.dir, 'none.yaml') });
  t.is(missing.stdout.trim(), 'rc=1', 'no start without a config');
  t.regex(missing.stderr, /none\.yaml is missing: write it \(see the sample config\.yaml\) or set MMSD_CONFIG/);
});
