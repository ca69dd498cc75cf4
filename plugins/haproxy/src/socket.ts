import { createConnection } from 'node:net';

/**
 * One request to an HAProxy CLI socket (the admin socket of the worker, or the master CLI):
 * the command line is sent and the write side closed; the answer is everything until HAProxy
 * closes the connection. Several commands go in one line, separated by `;`.
 */
export function cli(path: string, line: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${path} within ${timeoutMs} ms to "${line.slice(0, 80)}"`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.end(`${line}\n`));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/** PID of the worker that answers on an admin socket; undefined when none answers. */
export async function workerPid(socket: string, timeoutMs = 5000): Promise<number | undefined> {
  try {
    const pid = /^Pid: (\d+)$/m.exec(await cli(socket, 'show info', timeoutMs))?.[1];
    return pid ? Number(pid) : undefined;
  } catch {
    return undefined;
  }
}

/** HAProxy reads a CLI line into one buffer (16 kB by default): longer batches are split. */
const MAX_LINE = 8 * 1024;

/** Sends commands in as few lines as fit (through `run`); returns the answers, line by line. */
export async function cliBatch(run: (line: string) => Promise<string>, commands: readonly string[]): Promise<string[]> {
  const answers: string[] = [];
  let line = '';
  for (const command of commands) {
    if (line && line.length + command.length + 1 > MAX_LINE) {
      answers.push(await run(line));
      line = '';
    }
    line = line ? `${line};${command}` : command;
  }
  if (line) answers.push(await run(line));
  return answers;
}

/** Lines of a runtime API answer that report a failure (success messages and blanks aside). */
export function failures(answer: string): string[] {
  return answer
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l.length > 0 &&
        !/^(New server registered\.|Server deleted\.|IP changed from .*|port changed from .*|no need to change the addr.*|no need to change the port.*)$/.test(l),
    );
}

export interface ServerRuntimeState {
  backend: string;
  server: string;
  address: string;
  port: number;
  /** The admin state mmsd sets (`set server … state`). */
  admin: 'ready' | 'drain' | 'maint';
  /** What HAProxy's own checks say: `up` (running or starting), `down` (stopped or stopping). */
  operational: 'up' | 'down';
}

// HAProxy's SRV_ADMF_* flags. CMAINT (0x04) only records that the config said `disabled`: it
// stays set after the server is enabled, so it is not part of the maintenance mask.
const MAINT = 0x01 | 0x02 | 0x20;
const DRAIN = 0x08 | 0x10;

/** Parses `show servers state`. */
export function parseServersState(text: string): ServerRuntimeState[] {
  const out: ServerRuntimeState[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#') || /^\d+$/.test(line.trim())) continue;
    const f = line.split(' ');
    if (f.length < 19) continue;
    const admin = Number(f[6]);
    out.push({
      backend: f[1]!,
      server: f[3]!,
      address: f[4]!,
      port: Number(f[18]),
      admin: admin & MAINT ? 'maint' : admin & DRAIN ? 'drain' : 'ready',
      // SRV_ST_STOPPED 0, STARTING 1, RUNNING 2, STOPPING 3
      operational: f[5] === '1' || f[5] === '2' ? 'up' : 'down',
    });
  }
  return out;
}

export interface ProcInfo {
  master: number;
  reloads: number;
  failed: number;
  workers: number[];
}

/** Parses the master CLI's `show proc`. */
export function parseShowProc(text: string): ProcInfo | undefined {
  const master = /^(\d+)\s+master\s+(\d+)\s+\[failed:\s*(\d+)\]/m.exec(text);
  if (!master) return undefined;
  const workersSection = text.split('# workers')[1]?.split('#')[0] ?? '';
  const workers = [...workersSection.matchAll(/^(\d+)\s+worker\b/gm)].map((m) => Number(m[1]));
  return { master: Number(master[1]), reloads: Number(master[2]), failed: Number(master[3]), workers };
}
