import type { ChildProcess } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * The CLI the benchmarks run (MMSD_BENCH_CLI: another build's bin/run.js, e.g. an earlier
 * commit's for a before/after table from one run), and the HAProxy they give it.
 */
export const CLI = process.env.MMSD_BENCH_CLI ?? fileURLToPath(new URL('../packages/cli/bin/run.js', import.meta.url));
export const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

/** CPU time of a process in ms from /proc/<pid>/stat (ticks of 10 ms); with `children`, also of the children it waited for. */
export async function cpuMs(pid: number, children = false): Promise<number> {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  return ticks * 10;
}

/**
 * CPU time of all threads of a process in ms, from the scheduler's nanosecond counters
 * (`/proc/<pid>/task/<tid>/schedstat`): an idle agent uses less than the 10 ms resolution of
 * `/proc/<pid>/stat` in a minute. Threads that have ended are not counted.
 */
export async function threadsCpuMs(pid: number): Promise<number> {
  let ns = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').catch(() => '0');
    ns += Number(stat.split(' ')[0]);
  }
  return ns / 1e6;
}

/** Stops a benchmarked mmsd, the HAProxy it left running (by its PID file), the simulator, and removes the scratch dir. */
export async function stopAll(run: { mmsd: ChildProcess; exited: Promise<unknown>; pidFile: string; sim: { stop(): Promise<void> } | { close(): Promise<void> }; dir: string }): Promise<void> {
  run.mmsd.kill('SIGTERM');
  await run.exited;
  try {
    process.kill(Number((await readFile(run.pidFile, 'utf8')).trim()), 'SIGTERM');
  } catch {
    // not running
  }
  await ('stop' in run.sim ? run.sim.stop() : run.sim.close());
  await rm(run.dir, { recursive: true, force: true });
}
