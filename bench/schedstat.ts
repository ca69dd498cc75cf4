import { readdir, readFile } from 'node:fs/promises';

/**
 * How long threads of `pid` have been runnable but not running, in ms (the second field of
 * Linux's `/proc/<pid>/task/<tid>/schedstat`: run-queue wait, which on a VM includes waiting
 * for the vCPU itself). `main`: the process's main thread only (Node's event loop); `all`: every
 * thread. NaN where the kernel has no schedstat.
 */
export async function runQueueWaitMs(pid: number, threads: 'main' | 'all'): Promise<number> {
  const read = async (path: string) => Number((await readFile(path, 'utf8')).split(' ')[1]) / 1e6;
  try {
    if (threads === 'main') return await read(`/proc/${pid}/schedstat`);
    let total = 0;
    for (const tid of await readdir(`/proc/${pid}/task`)) total += await read(`/proc/${pid}/task/${tid}/schedstat`).catch(() => 0);
    return total;
  } catch {
    return Number.NaN;
  }
}
