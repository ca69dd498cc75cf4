import { Worker } from 'node:worker_threads';

export type ServerTransition = 'ready' | 'maint';

/** Milliseconds since the epoch, with the precision of performance.now(): comparable across threads. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** Servers' state changes as something saw them (`backend/server` → when, which), and waits for one. */
export class ServerTransitions {
  private readonly seen = new Map<string, { at: number; transition: ServerTransition }[]>();
  private readonly waiters = new Set<() => void>();

  /** `failure`: how a timeout starts its message ("HAProxy did not log"). */
  constructor(private readonly failure: string) {}

  add(key: string, transition: ServerTransition, at: number): void {
    const list = this.seen.get(key) ?? [];
    list.push({ at, transition });
    this.seen.set(key, list);
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the time of the first `transition` of `backend/server` at or after `since`. */
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
        reject(new Error(`${this.failure} ${key} ${transition} within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.waiters.add(waiter);
    });
  }
}

/**
 * What the haproxy bench measures against, seen from a thread of its own (observer-worker.ts)
 * with a small heap and an idle event loop, so that neither the bench's garbage collections
 * nor its other work delay an observation:
 * - when HAProxy's worker said a server changed state, from its log (the handler appends the
 *   master's and workers' output to `logFile`; HAProxy writes the line as it applies the
 *   change, and the file is watched with inotify): no polling of the admin socket, whose loop
 *   kept a core busy between the bench and HAProxy during the very latency it measured;
 * - when each task's TASK_RUNNING arrived on the simulator's event stream (a listener of its own).
 * Times are `wallNow()` values.
 */
export class Observer {
  private readonly servers = new ServerTransitions('HAProxy did not log');
  private readonly running = new Map<string, number>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: { type: string; key?: string; transition?: ServerTransition; taskId?: string; at?: number }) => {
      if (message.type === 'server') this.servers.add(message.key!, message.transition!, message.at!);
      else if (message.type === 'running' && !this.running.has(message.taskId!)) this.running.set(message.taskId!, message.at!);
    });
  }

  static async start(logFile: string, eventsUrl: string): Promise<Observer> {
    const worker = new Worker(new URL('./observer-worker.mjs', import.meta.url), { workerData: { logFile, eventsUrl } });
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', () => resolve());
    });
    return new Observer(worker);
  }

  /** When TASK_RUNNING of `taskId` arrived, if it did. */
  runningAt(taskId: string): number | undefined {
    return this.running.get(taskId);
  }

  /** Resolves with when HAProxy logged `transition` for `backend/server`, the first time after `since` (a `wallNow()` value). */
  when(backend: string, server: string, transition: ServerTransition, since: number, timeoutMs = 30_000): Promise<number> {
    return this.servers.when(backend, server, transition, since, timeoutMs);
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('stop');
    await exited;
  }
}
