import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

export interface ThreadTimes {
  /** ms on a CPU. */
  cpu: number;
  /** ms runnable but not running: run-queue wait, which on a VM includes waiting for the vCPU itself. */
  wait: number;
}

/**
 * The scheduler's times of `pid`'s threads (Linux's `/proc/<pid>/task/<tid>/schedstat`, ns):
 * `main`, the process's main thread only (Node's event loop); `all`, every thread. NaN where
 * the kernel keeps no schedstat.
 */
export async function threadTimes(pid: number, threads: 'main' | 'all'): Promise<ThreadTimes> {
  const read = async (path: string): Promise<ThreadTimes> => {
    const [cpu, wait] = (await readFile(path, 'utf8')).split(' ').map(Number);
    return { cpu: cpu! / 1e6, wait: wait! / 1e6 };
  };
  try {
    if (threads === 'main') return await read(`/proc/${pid}/schedstat`);
    const total = { cpu: 0, wait: 0 };
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      const times = await read(`/proc/${pid}/task/${tid}/schedstat`).catch(() => ({ cpu: 0, wait: 0 }));
      total.cpu += times.cpu;
      total.wait += times.wait;
    }
    return total;
  } catch {
    return { cpu: Number.NaN, wait: Number.NaN };
  }
}

/**
 * Time the host took the machine's vCPUs away while they had work (`steal` of `/proc/stat`,
 * all CPUs, ms; in ticks of 10 ms). Within the guest it shows as neither CPU time nor a
 * run-queue wait (the kernel leaves it out of both with paravirtual steal accounting).
 */
export async function stealMs(): Promise<number> {
  try {
    const cpu = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!.split(/\s+/);
    return Number(cpu[8]) * 10;
  } catch {
    return Number.NaN;
  }
}

const POLICY = { fifo: ['--fifo', '10'], other: ['--other', '0'] } as const;

/**
 * Puts every thread of each process in `policy` (`fifo`: SCHED_FIFO priority 10, what the
 * systemd drop-in packaging/systemd/realtime.conf gives mmsd and the HAProxy it starts;
 * `other`: back to the default). Threads made later inherit it. False when the kernel
 * refuses (no CAP_SYS_NICE) or `chrt` (util-linux) is missing.
 */
export function setPolicy(pids: readonly number[], policy: keyof typeof POLICY): boolean {
  const [flag, priority] = POLICY[policy];
  try {
    for (const pid of pids) execFileSync('chrt', [flag, '--all-tasks', '-p', priority, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
