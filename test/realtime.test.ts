// What packaging/systemd/realtime.conf promises, run for real: mmsd started in SCHED_FIFO (as
// systemd does with the drop-in, here through chrt) passes the policy on to the HAProxy it
// starts, its worker threads, and the worker of every reload.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { masterPid, workerPid } from './helpers/haproxy.js';
import { backends, serving, setup, startMmsd, webApp } from './helpers/mmsd-haproxy.js';
import { freePort } from './helpers/ports.js';

const PRIORITY = 10;

/** `chrt` may be refused (no CAP_SYS_NICE, or no real-time budget for this cgroup). */
function realtimeAllowed(): boolean {
  try {
    execFileSync('chrt', ['--fifo', String(PRIORITY), 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Each thread of a process: [policy, real-time priority] from /proc/<pid>/task/<tid>/stat (fields 41, 40). */
function threadPolicies(pid: number): Array<[number, number]> {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 on
    return [Number(fields[38]), Number(fields[37])];
  });
}

const SCHED_FIFO = 1;
const fifo = (pid: number) => threadPolicies(pid).every(([policy, priority]) => policy === SCHED_FIFO && priority === PRIORITY);

(realtimeAllowed() ? test : test.skip)('mmsd in SCHED_FIFO: HAProxy, its worker threads and the worker after a reload run in it too', async (t) => {
  const { sim, s, files, config } = await setup(t);
  const [one] = await backends(t, ['one']);
  const port = await freePort();
  await webApp(sim, '/svc', port, [one!]);
  const cli = startMmsd(t, config, s.env, ['chrt', '--fifo', String(PRIORITY)]);
  await serving(port);

  t.true(fifo(cli.child.pid!), `mmsd: ${JSON.stringify(threadPolicies(cli.child.pid!))}`);
  t.true(fifo(masterPid(files)!), 'the HAProxy master');
  const worker = (await workerPid(files.socket))!;
  t.true(threadPolicies(worker).length >= 1);
  t.true(fifo(worker), `the worker's threads: ${JSON.stringify(threadPolicies(worker))}`);

  const logged = cli.err.length;
  await sim.createApp({ id: '/another', instances: 0, portDefinitions: [{ port: await freePort() }] });
  await cli.line(/HAProxy reloaded/, { stream: 'err', after: logged });
  const next = (await workerPid(files.socket))!;
  t.not(next, worker);
  t.true(fifo(next), `the new worker's threads: ${JSON.stringify(threadPolicies(next))}`);
});

test('the check can fail: a process in the default policy is not taken for SCHED_FIFO', (t) => {
  t.false(fifo(process.pid));
  t.deepEqual(threadPolicies(process.pid)[0], [0, 0]);
});
