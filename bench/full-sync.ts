import { spawn } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from './mmsd-process.js';
import { startSimProcess } from './sim-process.js';
import { runtimeDir } from './tmpfs.js';
import { SYNTHETIC_AGENTS } from './agent-config.js';

const REPORT = fileURLToPath(new URL('./report-resources.cjs', import.meta.url));

export interface ProcessRun {
  wallMs: number;
  maxRssMb: number;
  cpuMs: number;
}

/** Runs the real CLI in a process of its own; its wall time, peak RSS and CPU time. */
async function runMmsd(args: string[], env: Record<string, string>): Promise<ProcessRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--require', REPORT, CLI, ...args], {
    env: { ...process.env, ...env, DEBUG: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - started;
  const line = /MMSD_BENCH (\{.*\})/.exec(stderr);
  if (code !== 0 || !line) throw new Error(`mmsd ${args.join(' ')} failed (${code}):\n${stderr.slice(-2000)}`);
  return { wallMs, ...(JSON.parse(line[1]!) as { maxRssMb: number; cpuMs: number }) };
}

export interface FullSyncResult {
  apps: number;
  tasksPerApp: number;
  /** `mmsd --version`: the CLI's own start-up, for reference. */
  startup: ProcessRun;
  /** `mmsd render`: fetch, parse, model, render every handler; nothing written. */
  render: ProcessRun;
  /** `mmsd run --once` on an empty directory: every file written. */
  cold: ProcessRun;
  /** `mmsd run --once` again, state unchanged: every file compared, none written. */
  warm: ProcessRun;
}

/** Full syncs of a synthetic cluster with the real CLI and the upstream-confd handler. */
export async function benchFullSync(apps: number, tasksPerApp: number): Promise<FullSyncResult> {
  const sim = await startSimProcess(['--apps', String(apps), '--tasks', String(tasksPerApp)]);
  // The simulator caches what it serialized once: its own cost is not mmsd's.
  await (await fetch(`${sim.url}/v2/apps?embed=apps.tasks`)).text();
  const scratch = await runtimeDir('mmsd-bench-sync-');
  const dir = join(scratch, 'confd');
  const env = { MMSD_DATA_DIR: join(scratch, 'data'), XDG_CONFIG_HOME: join(scratch, 'xdg'), MMSD_CONFIG_DIR: join(scratch, 'etc') };
  // The synthetic agents are not in DNS: their addresses are given, as an operator may do too.
  const hosts = SYNTHETIC_AGENTS;
  const config = join(scratch, 'mmsd.json');
  await writeFile(config, JSON.stringify({ marathon: { endpoints: [sim.url], timeout: 60 }, dns: { hosts }, plugins: [['upstream-confd', { dir }]] }));
  const common = ['--config', config, '--log-level=error'];
  try {
    const startup = await runMmsd(['--version'], env);
    const render = await runMmsd(['render', ...common], env);
    const cold = await runMmsd(['run', '--once', ...common], env);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.instances')).length;
    if (files !== apps) throw new Error(`expected ${apps} files, found ${files}`);
    const warm = await runMmsd(['run', '--once', ...common], env);
    return { apps, tasksPerApp, startup, render, cold, warm };
  } finally {
    await sim.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
