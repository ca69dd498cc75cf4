import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI_BIN } from './paths.js';
import { waitFor } from './wait.js';

export interface CliProcess {
  readonly child: ChildProcess;
  /** stdout lines so far. */
  readonly out: string[];
  /** stderr lines so far. */
  readonly err: string[];
  /** Waits for an stdout (or, with `stream: 'err'`, stderr) line matching; returns it. */
  line(match: RegExp | ((line: string) => boolean), options?: { timeout?: number; stream?: 'out' | 'err'; after?: number }): Promise<string>;
  /** Resolves with the exit code (or signal) when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the real CLI (`node packages/cli/bin/run.js …`), collecting its output line by line. */
export function startCli(
  args: readonly string[],
  /** `wrap`: a command that runs the CLI (e.g. `prlimit --nofile=N:N --`). */
  options: { env?: Record<string, string | undefined>; cwd?: string; wrap?: readonly string[] } = {},
): CliProcess {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, DEBUG: undefined, NODE_OPTIONS: undefined, JOURNAL_STREAM: undefined, ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const command = [...(options.wrap ?? []), process.execPath, CLI_BIN, ...args];
  const child = spawn(command[0]!, command.slice(1), { env, cwd: options.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const err: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => out.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => err.push(l));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    child,
    out,
    err,
    exited,
    async line(match, lineOptions = {}) {
      const lines = lineOptions.stream === 'err' ? err : out;
      const test = typeof match === 'function' ? match : (l: string) => match.test(l);
      const from = lineOptions.after ?? 0;
      return waitFor(
        () => {
          const found = lines.slice(from).find(test);
          if (!found && done) throw new Error(`the CLI exited; stdout:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`);
          return found;
        },
        { timeout: lineOptions.timeout ?? 30_000, what: () => `a line matching ${String(match)}; stdout so far:\n${out.slice(-20).join('\n')}\nstderr:\n${err.slice(-20).join('\n')}` },
      );
    },
    async stop(signal = 'SIGTERM') {
      if (!done) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Runs the CLI to completion. */
export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args, options);
  const { code } = await cli.exited;
  // Let readline deliver the last lines.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: cli.out.join('\n'), stderr: cli.err.join('\n') };
}
