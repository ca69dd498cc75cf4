// Issue 10's fleet: the simulator, two relays (real CLIs) and 50 agents, in this process: one
// CLI agent with upstream-confd on the sample cluster measured 73 MB RSS and 0.66 s of CPU to
// start, so 50 would be ~3.6 GB and ~33 s of CPU on the two cores; in one process the 50 start
// in ~1.7 s with 154 MB (the test logs both). They are the Agent the CLI runs, with the real
// upstream-confd plugin; the relays are real CLIs.
import test from 'ava';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MarathonSimulator, SAMPLE_AGENTS, sampleApps } from '@mmsd/marathon-sim';
import { Agent, loadConfig, loadPlugins } from '@mmsd/core/host';
import { startCli } from './helpers/cli.js';
import { scratch } from './helpers/env.js';
import { REPO_ROOT } from './helpers/paths.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

const AGENTS = 50;
const HOSTS = `dns: { hosts: ${JSON.stringify(SAMPLE_AGENTS)} }\n`;

async function readers(url: string): Promise<number> {
  const response = await fetch(`${url}/v2/info`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  if (!response?.ok) return 0;
  return ((await response.json()) as { relay: { readers: number } }).relay.readers;
}

/** Every agent's files: names, contents, inodes and mtimes (a rewrite changes the last two). */
async function fleetFiles(dirs: string[]): Promise<string[]> {
  return Promise.all(
    dirs.map(async (dir) => {
      const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.instances')).sort();
      const parts = await Promise.all(names.map(async (n) => `${n} ${(await stat(join(dir, n))).ino} ${(await stat(join(dir, n))).mtimeMs}\n${await readFile(join(dir, n), 'utf8')}`));
      return parts.join('\n');
    }),
  );
}

test(`the simulator, 2 relays, ${AGENTS} agents: Marathon sees 2 streams and 2 fetches; events reach every agent; a relay killed and a Marathon restart change no file`, async (t) => {
  t.timeout(120_000);
  const sim = await MarathonSimulator.start({ heartbeatInterval: 1000 });
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());

  const relays = await Promise.all(
    [0, 1].map(async () => {
      const s = await scratch(t);
      const port = await freePort();
      const config = await s.write('relay.yaml', `marathon: { endpoints: [${sim.url}], streamTimeout: 5 }\nstateFile: false\n${HOSTS}plugins:\n  - [relay, { port: ${port} }]\n`);
      const cli = startCli(['run', '--config', config], { env: s.env });
      t.teardown(() => cli.stop('SIGKILL'));
      const url = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${url}/v2/apps`).catch(() => undefined))?.status === 200, { what: `relay ${url}` });
      return { cli, url };
    }),
  );
  t.is(sim.hub.size, 2);

  const s = await scratch(t);
  const dirs: string[] = [];
  const started = performance.now();
  const agents = await Promise.all(
    Array.from({ length: AGENTS }, async (_, i) => {
      const dir = join(s.dir, `agent-${i}`, 'confd');
      dirs.push(dir);
      const file = await s.write(`agent-${i}.yaml`, `marathon: { endpoints: [${relays[0]!.url}, ${relays[1]!.url}], streamTimeout: 5 }\nstateFile: false\n${HOSTS}plugins:\n  - [upstream-confd, { dir: ${dir} }]\n`);
      const { config, source } = await loadConfig({ configFile: file, systemDir: '/nonexistent' });
      const configDir = source.directory;
      const plugins = await loadPlugins({ entries: config.plugins, searchDirs: [REPO_ROOT], baseDir: configDir });
      const agent = new Agent({ config, configDir, plugins, mode: 'run' });
      t.teardown(() => agent.stop());
      await agent.start();
      return agent;
    }),
  );
  t.log(`${AGENTS} agents started in ${Math.round(performance.now() - started)} ms; this process's RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`);
  t.is(agents.length, AGENTS);
  await waitFor(async () => (await readers(relays[0]!.url)) + (await readers(relays[1]!.url)) === AGENTS, { what: 'every agent on a relay stream' });
  const spread = [await readers(relays[0]!.url), await readers(relays[1]!.url)];
  t.log(`agents per relay: ${spread.join(' / ')}`);
  t.true(spread.every((n) => n > 0), `agents spread over both relays: ${spread.join(' / ')}`);

  // Marathon served the relays only: 2 event streams, 2 full fetches.
  t.is(sim.hub.size, 2);
  t.is(sim.requestCount('/v2/apps'), 2);
  t.is(sim.requestCount('/v2/events'), 2);
  const first = await fleetFiles(dirs);
  t.true(first.every((f) => f.length > 0 && f.replace(/ \d+ [\d.]+\n/g, '\n') === first[0]!.replace(/ \d+ [\d.]+\n/g, '\n')), 'every agent wrote the same files');

  // One task event reaches all 50 agents' files.
  const php = sim.tasks('/developer/trapni/php');
  const flipped = performance.now();
  await sim.setHealth(php[0]!.id, !(php[0]!.healthCheckResults as { alive: boolean }[] | undefined)?.[0]?.alive);
  await waitFor(async () => (await fleetFiles(dirs)).every((f, i) => f !== first[i]), { what: 'the change in every agent\'s files' });
  t.log(`a health flip reached all ${AGENTS} agents' files within ${Math.round(performance.now() - flipped)} ms`);
  t.is(sim.requestCount('/v2/apps'), 2, 'no fetch from Marathon for it');
  const changed = await fleetFiles(dirs);

  // A relay killed: its agents move to the other within 15 s; no file changes.
  const [dead, alive] = spread[0]! >= spread[1]! ? [relays[0]!, relays[1]!] : [relays[1]!, relays[0]!];
  const killed = performance.now();
  await dead.cli.stop('SIGKILL');
  await waitFor(async () => (await readers(alive.url)) === AGENTS, { timeout: 15_000, what: 'every agent on the other relay' });
  t.log(`agents moved to the other relay within ${Math.round(performance.now() - killed)} ms`);
  t.deepEqual(await fleetFiles(dirs), changed, 'no file was rewritten');

  // Marathon restarts behind the remaining relay: nothing changes.
  const lines = alive.cli.err.length;
  sim.setFaults({ down: true });
  await alive.cli.line(/event stream from .* lost/, { stream: 'err', after: lines });
  sim.clearFaults();
  await waitFor(() => sim.hub.size === 1, { timeout: 20_000, what: 'the relay to reconnect to Marathon' });
  await alive.cli.line(/event stream connected/, { stream: 'err', after: lines });
  t.deepEqual(await fleetFiles(dirs), changed, 'a Marathon restart changes no file');
  t.is(await readers(alive.url), AGENTS, 'no agent was disconnected by the relay\'s resync (it found no change)');
});
