import type { Socket } from 'node:net';
import { createConnection } from 'node:net';

export interface CliSessionOptions {
  /** Closed this long after its last answer (HAProxy's own `stats timeout` is 10 s). */
  idleMs?: number;
  /**
   * Not used for a new command once this old: a connection stays with the worker it was
   * accepted by, also after a reload someone else started, so its age bounds how long
   * commands could go to a stopping worker.
   */
  maxAgeMs?: number;
}

interface Pending {
  line: string;
  timeoutMs: number;
  /** Prompts still to come: one per command of the line. */
  prompts: number;
  answer: string;
  /** Written on a connection that was already open (HAProxy may have closed it meanwhile). */
  reused: boolean;
  mayRetry: boolean;
  timer?: NodeJS.Timeout;
  resolve(answer: string): void;
  reject(error: Error): void;
}

/** The commands of a line: HAProxy splits it at each `;` that is not escaped (`\\;`). */
export function commandsIn(line: string): number {
  return (line.match(/(?<!\\);/g)?.length ?? 0) + 1;
}

const PROMPT = '\n> ';

/**
 * One connection to HAProxy's admin socket in interactive (`prompt`) mode, for the runtime
 * changes of a burst of events: a command costs one write and one read instead of a connect,
 * a new CLI session in HAProxy and a close (0.12 against 0.25 ms on an idle HAProxy 2.6 with
 * 10,000 servers, twice that on a busy machine). Lines are pipelined: each is written at once,
 * also while earlier ones wait for their answers (HAProxy runs a session's lines in order, and
 * answers them in order), so a change that comes right behind another reaches HAProxy without
 * waiting for the first one's answer — often in the same read. In this mode each command of a
 * line (`a;b`) is answered up to its own prompt, and the line's answer is theirs together. The
 * controller closes it before a reload or start (once every line is answered), so that no
 * command reaches a worker that is going away and no idle session keeps that worker alive.
 */
export class CliSession {
  private socket: Socket | undefined;
  private openedAt = 0;
  private buffer = '';
  /** Lines written and not yet answered, oldest first. */
  private readonly inFlight: Pending[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleMs: number;
  private readonly maxAgeMs: number;

  constructor(
    private readonly path: string,
    options: CliSessionOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 1000;
    this.maxAgeMs = options.maxAgeMs ?? 2000;
  }

  /** Lines written and not answered yet. */
  get pending(): number {
    return this.inFlight.length;
  }

  /** Writes one command line (commands separated by `;`) now; resolves with its answer. */
  run(line: string, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => this.write({ line, timeoutMs, prompts: commandsIn(line), answer: '', reused: false, mayRetry: true, resolve, reject }));
  }

  /** Closes the connection; lines still unanswered fail. */
  close(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    for (const pending of this.inFlight.splice(0)) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`the session with ${this.path} was closed before it answered "${pending.line.slice(0, 80)}"`));
    }
  }

  private write(pending: Pending): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // Only a connection with nothing in flight is replaced: its lines' answers come on it.
    if (this.socket && this.inFlight.length === 0 && Date.now() - this.openedAt > this.maxAgeMs) this.close();
    pending.reused = this.socket !== undefined;
    const socket = this.socket ?? this.connect();
    pending.timer = setTimeout(() => {
      const error = new Error(`no answer from ${this.path} within ${pending.timeoutMs} ms to "${pending.line.slice(0, 80)}"`);
      this.inFlight.splice(this.inFlight.indexOf(pending), 1);
      pending.reject(error);
      // The answers still to come on this connection would be taken for the wrong lines.
      this.close();
    }, pending.timeoutMs);
    this.inFlight.push(pending);
    socket.ref();
    socket.write(`${pending.line}\n`);
  }

  private answered(): void {
    if (this.inFlight.length > 0 || !this.socket) return;
    // An idle session holds neither the process nor, for long, HAProxy.
    this.socket.unref();
    this.idleTimer = setTimeout(() => this.close(), this.idleMs);
    this.idleTimer.unref();
  }

  private connect(): Socket {
    const socket = createConnection(this.path);
    this.socket = socket;
    this.openedAt = Date.now();
    this.buffer = '';
    let greeted = false;
    socket.setEncoding('utf8');
    // The answer to `prompt` itself is the first prompt.
    socket.write('prompt\n');
    socket.on('data', (chunk: string) => {
      if (this.socket !== socket) return;
      this.buffer += chunk;
      for (let end = this.buffer.indexOf(PROMPT); end >= 0; end = this.buffer.indexOf(PROMPT)) {
        const answer = this.buffer.slice(0, end + 1);
        this.buffer = this.buffer.slice(end + PROMPT.length);
        if (!greeted) {
          greeted = true;
          continue;
        }
        const pending = this.inFlight[0];
        if (!pending) continue;
        pending.answer += answer;
        if (--pending.prompts === 0) {
          this.inFlight.shift();
          clearTimeout(pending.timer);
          pending.resolve(pending.answer);
        }
      }
      this.answered();
    });
    const gone = (error?: Error): void => {
      // A session closed by close() has failed its lines already.
      if (this.socket !== socket) return;
      this.socket = undefined;
      const lost = this.inFlight.splice(0);
      lost.forEach((pending, i) => {
        clearTimeout(pending.timer);
        // HAProxy closed an idle session just as a line went out: it was not read, and is sent
        // again on a new connection (in order: the lines behind it were not read either).
        const unanswered = pending.answer === '' && (i > 0 || this.buffer === '');
        if (pending.mayRetry && pending.reused && unanswered) this.write({ ...pending, prompts: commandsIn(pending.line), mayRetry: false, timer: undefined });
        else pending.reject(error ?? new Error(`${this.path} closed the connection before answering`));
      });
    };
    socket.on('error', gone);
    socket.on('close', () => gone());
    return socket;
  }
}
