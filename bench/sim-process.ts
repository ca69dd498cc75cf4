import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SIM_BIN = fileURLToPath(new URL('../packages/marathon-sim/bin/mmsd-sim.js', import.meta.url));

export interface SimProcess {
  url: string;
  child: ChildProcess;
  post(path: string, body: unknown): Promise<unknown>;
  requests(): Promise<{ method: string; path: string }[]>;
  stop(): Promise<void>;
}

/** `mmsd-sim` in a process of its own, so that its work does not share the agent's event loop. */
export async function startSimProcess(args: string[]): Promise<SimProcess> {
  // MMSD_BENCH_SIM_NODE_FLAGS: Node flags for the simulator (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
  const flags = process.env.MMSD_BENCH_SIM_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...flags, SIM_BIN, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mmsd-sim exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const url = /on (http:\/\/\S+)/.exec(line)![1]!;
  return {
    url,
    child,
    async post(path, body) {
      const response = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
      return response.json();
    },
    async requests() {
      return (await (await fetch(`${url}/_sim/requests`)).json()) as { method: string; path: string }[];
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
