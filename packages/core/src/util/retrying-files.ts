import { describeError } from '../errors.js';
import type { FileContent, RetryingFiles, RetryingFilesOptions, RetryingWriteOptions, WriteOptions, WriteOutcome } from './file-types.js';
import type { Counter, Gauge } from './metric-types.js';
import { Backoff } from './backoff.js';
import { codeOf, writeFailureHint } from './write-failures.js';

type Kind = 'write' | 'remove';
interface Op {
  readonly kind: Kind;
  readonly run: () => Promise<unknown>;
  readonly after: string | undefined;
}
interface Failing {
  error: unknown;
  code: string;
  since: number;
  attempts: number;
  logged: boolean;
}
interface Entry {
  /** The latest operation asked for, until it lands. */
  desired: Op | undefined;
  /** Set while the desired state of the path failed to land. */
  failing: Failing | undefined;
  /** Attempts queued or running in `chain`. */
  queued: number;
  chain: Promise<void>;
}

const NOT_LANDED = Symbol('not landed');
const noop = (): void => {};
/** Paths whose first failure of an outage gets a warning of its own; the others are summed up once. */
const LOGGED_PER_OUTAGE = 5;
const PARALLEL = 32;

/** Implements RetryingFiles over `files` (ctx.files.retrying() makes one for a plugin). */
export class RetryingFileWriter implements RetryingFiles {
  private readonly entries = new Map<string, Entry>();
  private readonly backoff: Backoff;
  private readonly gauge: Gauge | undefined;
  private readonly failures: Counter | undefined;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  private failingPaths = 0;
  /** Since the last time nothing was pending: paths that failed, and how many of them were logged. */
  private outage = { failed: 0, logged: 0, summarized: false };

  constructor(
    private readonly files: {
      write(path: string, content: FileContent, options?: WriteOptions): Promise<WriteOutcome>;
      remove(path: string): Promise<boolean>;
    },
    private readonly options: RetryingFilesOptions,
  ) {
    this.backoff = new Backoff(options.backoff ?? { min: 1000, max: 30_000 });
    this.gauge = options.metrics?.gauge('mmsd_file_writes_pending', 'Files whose latest write or removal failed and is retried, by plugin (core: the state file)', ['plugin']);
    this.failures = options.metrics?.counter('mmsd_file_write_failures_total', 'Failed file writes and removals (retries included), by plugin and errno code', ['plugin', 'code']);
    this.gauge?.set({ plugin: options.owner }, 0);
  }

  get pending(): number {
    return this.failingPaths;
  }

  isPending(path: string): boolean {
    const entry = this.entries.get(path);
    return entry?.desired !== undefined && entry.failing !== undefined;
  }

  async write(path: string, content: FileContent, options: RetryingWriteOptions = {}): Promise<WriteOutcome | 'pending'> {
    const { after, ...writeOptions } = options;
    const result = await this.enqueue(path, { kind: 'write', run: () => this.files.write(path, content, writeOptions), after });
    return result === NOT_LANDED ? 'pending' : (result as WriteOutcome);
  }

  async remove(path: string): Promise<boolean | 'pending'> {
    const result = await this.enqueue(path, { kind: 'remove', run: () => this.files.remove(path), after: undefined });
    return result === NOT_LANDED ? 'pending' : (result as boolean);
  }

  async apply(path: string, run: () => Promise<unknown>, options: { after?: string } = {}): Promise<boolean> {
    return (await this.enqueue(path, { kind: 'write', run, after: options.after })) !== NOT_LANDED;
  }

  retryNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return this.runRound();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
    await Promise.all([...this.entries.values()].map((entry) => entry.chain));
    const left = [...this.entries.keys()].filter((path) => this.isPending(path));
    if (left.length > 0) {
      this.options.log.warn('stopping with %d file %s not applied: %s', left.length, left.length === 1 ? 'change' : 'changes', left.slice(0, 10).join(', '));
    }
  }

  private enqueue(path: string, op: Op): Promise<unknown> {
    let entry = this.entries.get(path);
    if (!entry) {
      entry = { desired: undefined, failing: undefined, queued: 0, chain: Promise.resolve() };
      this.entries.set(path, entry);
    }
    entry.desired = op;
    return this.attemptInTurn(path, entry, op);
  }

  private attemptInTurn(path: string, entry: Entry, op: Op): Promise<unknown> {
    entry.queued++;
    const run = entry.chain.then(() => this.attempt(path, entry, op));
    entry.chain = run.then(noop, noop);
    return run;
  }

  private async attempt(path: string, entry: Entry, op: Op): Promise<unknown> {
    try {
      if (entry.desired !== op) return NOT_LANDED; // superseded while it waited its turn
      try {
        if (op.after !== undefined && op.after !== path) await this.landed(op.after);
        const value = await op.run();
        if (entry.desired === op) {
          entry.desired = undefined;
          this.recovered(path, entry, op);
        }
        return value;
      } catch (error) {
        this.failed(path, entry, op, error);
        return NOT_LANDED;
      }
    } finally {
      entry.queued--;
      if (entry.queued === 0 && entry.desired === undefined) this.entries.delete(path);
    }
  }

  /** Waits for `path` to land, retrying it first when it waits for a retry; throws its error if it does not. */
  private async landed(path: string): Promise<void> {
    const entry = this.entries.get(path);
    if (!entry) return;
    if (entry.desired && entry.queued === 0) void this.attemptInTurn(path, entry, entry.desired);
    while (entry.queued > 0) await entry.chain;
    if (entry.desired && entry.failing) throw entry.failing.error;
  }

  private failed(path: string, entry: Entry, op: Op, error: unknown): void {
    const code = codeOf(error);
    this.failures?.inc({ plugin: this.options.owner, code });
    if (entry.desired !== op) return; // a newer operation is queued and will tell
    const verb = op.kind === 'remove' ? 'remove' : 'write';
    const failing = entry.failing;
    if (!failing) {
      entry.failing = { error, code, since: Date.now(), attempts: 1, logged: false };
      this.failingPaths++;
      if (this.failingPaths === 1) this.options.health?.failing(`cannot ${verb} ${path} (${code}); retrying until it works`);
      this.outage.failed++;
      this.gauge?.set({ plugin: this.options.owner }, this.failingPaths);
      if (this.outage.logged < LOGGED_PER_OUTAGE) {
        this.outage.logged++;
        entry.failing.logged = true;
        this.logFailure(verb, path, code, error);
      } else if (!this.outage.summarized) {
        this.outage.summarized = true;
        this.options.log.warn('more files cannot be written (%s on %s, …); all of them are retried (metric mmsd_file_writes_pending)', code, path);
      } else this.options.log.debug('cannot %s %s: %s', verb, path, describeError(error));
    } else {
      failing.attempts++;
      failing.error = error;
      // A new reason needs another fix: say so once more.
      if (failing.logged && failing.code !== code) this.logFailure(verb, path, code, error);
      failing.code = code;
    }
    this.scheduleRetry();
  }

  private logFailure(verb: string, path: string, code: string, error: unknown): void {
    const message = describeError(error);
    const reason = message.includes(code) || code === 'unknown' ? message : `${code}: ${message}`;
    this.options.log.warn('cannot %s %s: %s; %s; retrying until it works', verb, path, reason, writeFailureHint(code, path));
  }

  private recovered(path: string, entry: Entry, op: Op): void {
    const failing = entry.failing;
    if (!failing) return;
    entry.failing = undefined;
    this.failingPaths--;
    this.gauge?.set({ plugin: this.options.owner }, this.failingPaths);
    const seconds = Math.round((Date.now() - failing.since) / 1000);
    const line = `${op.kind === 'remove' ? 'removed' : 'wrote'} ${path} after ${failing.attempts} failed ${failing.attempts === 1 ? 'attempt' : 'attempts'} in ${seconds} s`;
    if (failing.logged) this.options.log.info('%s', line);
    else this.options.log.debug('%s', line);
    if (this.failingPaths > 0) return;
    this.options.health?.ok();
    if (this.outage.failed > this.outage.logged) this.options.log.info('all %d files that could not be written are written now', this.outage.failed);
    this.outage = { failed: 0, logged: 0, summarized: false };
    this.backoff.reset();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.timer || this.round || this.failingPaths === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runRound();
    }, this.backoff.next());
    this.timer.unref?.();
  }

  /** One attempt for every path waiting for a retry, at most PARALLEL at once. */
  private runRound(): Promise<void> {
    this.round ??= (async () => {
      try {
        const due = [...this.entries].filter(([, entry]) => entry.desired && entry.failing && entry.queued === 0);
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < due.length) {
            const [path, entry] = due[next++]!;
            if (entry.desired && entry.queued === 0) await this.attemptInTurn(path, entry, entry.desired);
          }
        };
        await Promise.all(Array.from({ length: Math.min(PARALLEL, due.length) }, worker));
      } finally {
        this.round = undefined;
      }
      this.scheduleRetry();
    })();
    return this.round;
  }
}
