import { closeSync, fstatSync, openSync, readSync, watch } from 'node:fs';

export type ServerTransition = 'ready' | 'maint';

/**
 * When HAProxy's worker said a server changed state, from its log (the handler appends the
 * master's and workers' output to `logFile`): "Server <backend>/<server> is UP/READY (leaving
 * forced maintenance)" and "… is going DOWN for maintenance". HAProxy writes the line as it
 * applies the change, and the file is watched (inotify), so the bench observes the change
 * without polling the admin socket: a poll in a loop costs HAProxy and the bench a core
 * between them, which is what a latency figure on two cores must not include.
 */
export class HaproxyLogWatcher {
  private readonly seen = new Map<string, { at: number; transition: ServerTransition }[]>();
  private readonly waiters = new Set<() => void>();
  private offset: number;
  private pending = '';
  private closed = false;
  private readonly buffer = Buffer.alloc(64 * 1024);
  private readonly fd: number;
  private readonly watcher;

  /** Watches what is appended to `file` from now on. */
  constructor(file: string) {
    this.fd = openSync(file, 'r');
    this.offset = fstatSync(this.fd).size;
    this.watcher = watch(file, () => this.read());
  }

  /** Resolves with the time (performance.now()) HAProxy reported `transition` for server `backend/server`, the first one after `since`. */
  when(backend: string, server: string, transition: ServerTransition, since: number, timeoutMs = 30_000): Promise<number> {
    const key = `${backend}/${server}`;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.seen.get(key)?.find((s) => s.transition === transition && s.at >= since);
        if (hit) {
          this.waiters.delete(waiter);
          clearTimeout(timer);
          resolve(hit.at);
        }
        return hit !== undefined;
      };
      const waiter = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`HAProxy did not log ${key} ${transition} within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.waiters.add(waiter);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher.close();
    closeSync(this.fd);
  }

  /** Synchronous on purpose: the time of the change is taken when inotify says so, with no thread-pool round trips in between. */
  private read(): void {
    if (this.closed) return;
    const now = performance.now();
    for (;;) {
      const bytesRead = readSync(this.fd, this.buffer, 0, this.buffer.length, this.offset);
      if (bytesRead === 0) break;
      this.offset += bytesRead;
      this.pending += this.buffer.toString('utf8', 0, bytesRead);
    }
    const lines = this.pending.split('\n');
    this.pending = lines.pop()!;
    for (const line of lines) {
      const match = /Server (\S+)\/(\S+) is (UP\/READY|going DOWN for maintenance)/.exec(line);
      if (!match) continue;
      const key = `${match[1]}/${match[2]}`;
      const list = this.seen.get(key) ?? [];
      list.push({ at: now, transition: match[3] === 'UP/READY' ? 'ready' : 'maint' });
      this.seen.set(key, list);
    }
    for (const waiter of [...this.waiters]) waiter();
  }
}
