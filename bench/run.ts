// npm run bench [-- --apps 100,10000 --tasks 10 --instances 10,1000,10000 --starts 20000 --events 200 --reloads 5 --kills 3 --flips 10 --readers 1000 --sched both|other --only upstream-confd|full-sync|haproxy|haproxy-restart|cpu-per-event|idle|relay|nginx|model]
// Figures are printed side by side from one run (the machine is shared and noisy: compare
// within a run, not across runs) and saved in bench/results/.
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { benchFullSync } from './full-sync.js';
import type { FullSyncResult } from './full-sync.js';
import { benchHaproxy } from './haproxy.js';
import { benchHaproxyRestart } from './haproxy-restart.js';
import { benchCpuPerEvent } from './cpu-per-event.js';
import { benchIdle } from './idle-cpu.js';
import type { IdleResult } from './idle-cpu.js';
import type { CpuPerEventResult } from './cpu-per-event.js';
import type { RestartResult } from './haproxy-restart.js';
import type { HaproxyResult } from './haproxy.js';
import { benchModel } from './model.js';
import type { ModelResult } from './model.js';
import { benchServiceView } from './service-view.js';
import type { ServiceViewResult } from './service-view.js';
import { benchNginx } from './nginx.js';
import type { NginxResult } from './nginx.js';
import { benchRelay } from './relay.js';
import type { RelayResult } from './relay.js';
import { benchUpstreamConfd } from './upstream-confd.js';
import type { UpstreamResult } from './upstream-confd.js';
import { ms } from './stats.js';

const { values } = parseArgs({
  options: {
    apps: { type: 'string', default: '100,10000' },
    tasks: { type: 'string', default: '10' },
    events: { type: 'string', default: '200' },
    reloads: { type: 'string', default: '5' },
    kills: { type: 'string', default: '3' },
    flips: { type: 'string', default: '10' },
    readers: { type: 'string', default: '1000' },
    starts: { type: 'string', default: '20000' },
    instances: { type: 'string', default: '10,1000,10000' },
    only: { type: 'string' },
    sched: { type: 'string', default: 'both' },
  },
});

const sizes = values.apps.split(',').map(Number);
const tasks = Number(values.tasks);
const events = Number(values.events);
const reloads = Number(values.reloads);
const kills = Number(values.kills);
const results: { upstreamConfd?: UpstreamResult[]; fullSync?: FullSyncResult[]; haproxy?: HaproxyResult[]; haproxyRestart?: RestartResult[]; cpuPerEvent?: CpuPerEventResult[]; idle?: IdleResult[]; relay?: RelayResult[]; nginx?: NginxResult[]; model?: ModelResult[]; serviceView?: ServiceViewResult[] } = {};

if (!values.only || values.only === 'model') {
  results.model = [];
  const starts = Number(values.starts);
  // The cluster's sizes, then one app with many instances: a task event costs what changed,
  // not the number of the app's tasks either.
  const shapes = [...sizes.map((apps) => [apps, tasks] as const), ...values.instances.split(',').filter(Boolean).map((n) => [1, Number(n)] as const)];
  for (const [apps, perApp] of shapes) {
    process.stderr.write(`model: ${apps} apps × ${perApp} tasks, ${starts} starts…\n`);
    results.model.push(benchModel(apps, perApp, starts));
  }
  console.log('\nthe model alone (in process): a task start (three events applied, one publish) and a kill, µs\n');
  console.log('| apps × tasks | start median | p99 | kill median | p99 |');
  console.log('| --- | --- | --- | --- | --- |');
  const us = (value: number): string => `${value.toFixed(1)} µs`;
  for (const r of results.model) console.log(`| ${r.apps} × ${r.tasksPerApp} | ${us(r.start.median)} | ${us(r.start.p99)} | ${us(r.kill.median)} | ${us(r.kill.p99)} |`);
  results.serviceView = values.instances.split(',').filter(Boolean).map((n) => benchServiceView(Number(n), 2000));
  console.log('\nthe haproxy handler alone (in process): one task event on a service of N tasks, its view and runtime commands, µs — built in full and derived from the previous view\n');
  console.log('| tasks of the service | full median | p99 | derived median | p99 |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of results.serviceView) console.log(`| ${r.tasks} | ${us(r.full.median)} | ${us(r.full.p99)} | ${us(r.derived.median)} | ${us(r.derived.p99)} |`);
}

if (!values.only || values.only === 'upstream-confd') {
  results.upstreamConfd = [];
  for (const apps of sizes) {
    process.stderr.write(`upstream-confd: ${apps} apps × ${tasks} tasks, ${events} events…\n`);
    results.upstreamConfd.push(await benchUpstreamConfd(apps, tasks, events));
  }
  console.log('\nevent → upstream file rewritten (health flip of one task; isolated events)\n');
  console.log('| apps × tasks | event → file median | p99 | max | request → file median | p99 | Marathon requests per event | task start → file median | p99 | max |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results.upstreamConfd) {
    console.log(
      `| ${r.apps} × ${r.tasksPerApp} | ${ms(r.eventToFile.median)} | ${ms(r.eventToFile.p99)} | ${ms(r.eventToFile.max)} | ${ms(r.triggerToFile.median)} | ${ms(r.triggerToFile.p99)} | ${(r.marathonRequestsDuringEvents / r.eventToFile.n).toFixed(2)} | ${ms(r.startToFile.median)} | ${ms(r.startToFile.p99)} | ${ms(r.startToFile.max)} |`,
    );
  }

  const [small, large] = [results.upstreamConfd[0], results.upstreamConfd.at(-1)];
  if (small && large && small !== large) {
    console.log(`\np99 ratio ${large.apps} apps / ${small.apps} apps: ${(large.eventToFile.p99 / small.eventToFile.p99).toFixed(2)}`);
  }
}

if (!values.only || values.only === 'full-sync') {
  results.fullSync = [];
  for (const apps of sizes) {
    process.stderr.write(`full sync: ${apps} apps × ${tasks} tasks…\n`);
    results.fullSync.push(await benchFullSync(apps, tasks));
  }
  const cell = (r: { wallMs: number; maxRssMb: number }) => `${ms(r.wallMs)}, ${r.maxRssMb.toFixed(0)} MB`;
  console.log('\nfull sync with the upstream-confd handler: the real CLI, one process per run (wall time, peak RSS)\n');
  console.log('| apps × tasks | mmsd --version | mmsd render (fetch, parse, model, render) | run --once, empty directory (all files written) | run --once, same state again (all files compared) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of results.fullSync) {
    console.log(`| ${r.apps} × ${r.tasksPerApp} | ${cell(r.startup)} | ${cell(r.render)} | ${cell(r.cold)} | ${cell(r.warm)} |`);
  }
}

if (!values.only || values.only === 'haproxy') {
  results.haproxy = [];
  for (const apps of sizes) {
    process.stderr.write(`haproxy: ${apps} apps × ${tasks} tasks, ${events} health flips, ${reloads} new apps…\n`);
    results.haproxy.push(await benchHaproxy(apps, tasks, events, reloads, values.sched !== 'other'));
  }
  console.log('\nhaproxy handler: the real CLI and a real HAProxy (checks off, services on 127.0.0.2)\n');
  console.log('| apps × tasks | start (sync, render, check, start) | render | haproxy -c | config | health flip → HAProxy state median | p99 | max | reloads during flips | new app → served median | max | reload (mmsd) median | HAProxy worker RSS |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results.haproxy) {
    console.log(
      `| ${r.apps} × ${r.tasksPerApp} | ${ms(r.startMs)} | ${ms(r.renderMs)} | ${ms(r.checkMs)} | ${r.configKb} kB | ${ms(r.flipToRuntime.median)} | ${ms(r.flipToRuntime.p99)} | ${ms(r.flipToRuntime.max)} | ${r.reloadsDuringFlips} | ${ms(r.createToServed.median)} | ${ms(r.createToServed.max)} | ${ms(r.reloadMs.median)} | ${r.haproxyRssMb.toFixed(0)} MB |`,
    );
  }
  console.log('\ntask start (TASK_RUNNING and its health result back to back) → the new server ready in HAProxy\'s worker (HAProxy\'s time); as a listener sees it; mmsd\'s peak RSS over the run\n');
  console.log('| apps × tasks | event → ready median | p99 | max | health result → ready median | p99 | seen: event → ready median | p99 | mmsd peak RSS |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results.haproxy) {
    console.log(
      `| ${r.apps} × ${r.tasksPerApp} | ${ms(r.startToReady.median)} | ${ms(r.startToReady.p99)} | ${ms(r.startToReady.max)} | ${ms(r.healthToReady.median)} | ${ms(r.healthToReady.p99)} | ${ms(r.startToReadySeen.median)} | ${ms(r.startToReadySeen.p99)} | ${r.mmsdPeakRssMb.toFixed(0)} MB |${r.clockDisagreements > 0 ? ` (${r.clockDisagreements} starts where HAProxy's clock is before the simulator's)` : ''}`,
    );
  }
  console.log('\nthe same starts: mmsd\'s CPU time over each (the launch asked → the server ready); how long mmsd\'s event loop and HAProxy\'s worker were runnable but not running (waiting for a CPU), and the slowest 1%\n');
  console.log('| apps × tasks | mmsd CPU per start median (event loop) | (all threads) | simulator CPU median | mmsd waited median | p99 | HAProxy waited median | p99 | slowest 1%: starts | their mean event → ready | mmsd waited in them | host steal per start (all) | (slowest 1%) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results.haproxy) {
    const w = r.runQueueWait;
    console.log(`| ${r.apps} × ${r.tasksPerApp} | ${ms(r.mmsdCpuPerStart.loop.median)} | ${ms(r.mmsdCpuPerStart.all.median)} | ${ms(r.simCpuPerStart.median)} | ${ms(w.mmsd.median)} | ${ms(w.mmsd.p99)} | ${ms(w.haproxy.median)} | ${ms(w.haproxy.p99)} | ${w.slowest.starts} | ${ms(w.slowest.meanMs)} | ${ms(w.slowest.mmsdWaitMs)} | ${ms(w.stealMs)} | ${ms(w.slowest.stealMs)} |`);
  }
  console.log('\nthe same starts side by side: through mmsd, and through the floor agent (bench/floor-agent.ts: the stream read, TASK_RUNNING remembered, `add server` + `set server … ready` on its health result; no model, no checks) run right after with mmsd stopped — what the machine takes without mmsd\'s work\n');
  console.log('| apps × tasks | mmsd: event → ready median | p99 | max | CPU per start (all threads) | waited for a CPU p99 | floor agent: event → ready median | p99 | max | CPU per start | waited p99 | simulator CPU per start, mmsd / floor |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results.haproxy) {
    const f = r.floor;
    console.log(`| ${r.apps} × ${r.tasksPerApp} | ${ms(r.startToReady.median)} | ${ms(r.startToReady.p99)} | ${ms(r.startToReady.max)} | ${ms(r.mmsdCpuPerStart.all.median)} | ${ms(r.runQueueWait.mmsd.p99)} | ${ms(f.startToReady.median)} | ${ms(f.startToReady.p99)} | ${ms(f.startToReady.max)} | ${ms(f.cpuPerStart.median)} | ${ms(f.waited.p99)} | ${ms(r.simCpuPerStart.median)} / ${ms(f.simCpuPerStart.median)} |`);
  }
  if (results.haproxy.some((r) => r.realtime)) {
    console.log('\nthe same starts again, as many, with the agent\'s and HAProxy\'s threads in SCHED_FIFO (priority 10: packaging/systemd/realtime.conf), mmsd then the floor agent; the simulator and the bench stay in the default policy\n');
    console.log('| apps × tasks | mmsd: event → ready median | p99 | max | health result → ready median | p99 | CPU per start (all threads) | waited for a CPU p99 | HAProxy waited p99 | floor agent: event → ready median | p99 | max | CPU per start |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of results.haproxy) {
      const x = r.realtime;
      if (!x) continue;
      const f = x.floor;
      console.log(`| ${r.apps} × ${r.tasksPerApp} | ${ms(x.startToReady.median)} | ${ms(x.startToReady.p99)} | ${ms(x.startToReady.max)} | ${ms(x.healthToReady.median)} | ${ms(x.healthToReady.p99)} | ${ms(x.mmsdCpuPerStart.all.median)} | ${ms(x.runQueueWait.mmsd.p99)} | ${ms(x.runQueueWait.haproxy.p99)} | ${f ? ms(f.startToReady.median) : '–'} | ${f ? ms(f.startToReady.p99) : '–'} | ${f ? ms(f.startToReady.max) : '–'} | ${f ? ms(f.cpuPerStart.median) : '–'} |`);
    }
  } else if (values.sched !== 'other') {
    console.log('\n(no SCHED_FIFO runs: chrt was refused — it needs CAP_SYS_NICE — or is missing)');
  }
  const [small, large] = [results.haproxy[0], results.haproxy.at(-1)];
  if (small && large && small !== large) {
    console.log(`\nflip p99 ratio ${large.apps} apps / ${small.apps} apps: ${(large.flipToRuntime.p99 / small.flipToRuntime.p99).toFixed(2)}`);
  }
}

if (!values.only || values.only === 'haproxy-restart') {
  results.haproxyRestart = [];
  // Each app is a real listener and a real HTTP check: the small size only.
  for (const apps of [Math.min(...sizes, 1000)]) {
    process.stderr.write(`haproxy restart: ${apps} apps, ${kills} kill -9 of the master and of the worker…\n`);
    results.haproxyRestart.push(await benchHaproxyRestart(apps, kills));
  }
  console.log('\nHAProxy killed (SIGKILL of master or worker): the real CLI, HAProxy checks on, 100 requests/s on new connections\n');
  console.log('| apps | kills | kill → HAProxy started median | max | kill → last refused median | max | kill → last failed median | max | refused per kill median | max | 503 per kill median | max |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results.haproxyRestart) {
    console.log(
      `| ${r.apps} | ${r.kills} | ${ms(r.restartedMs.median)} | ${ms(r.restartedMs.max)} | ${ms(r.refusedUntilMs.median)} | ${ms(r.refusedUntilMs.max)} | ${ms(r.servedMs.median)} | ${ms(r.servedMs.max)} | ${r.refused.median} | ${r.refused.max} | ${r.unavailable.median} | ${r.unavailable.max} |`,
    );
  }
}

if (!values.only || values.only === 'cpu-per-event') {
  results.cpuPerEvent = [];
  for (const apps of [...new Set([100, 1000, ...sizes])].sort((a, b) => a - b)) {
    process.stderr.write(`cpu per event: ${apps} apps × ${tasks} tasks, ${values.flips} health flips…\n`);
    results.cpuPerEvent.push(await benchCpuPerEvent(apps, tasks, Number(values.flips)));
  }
  console.log('\nCPU per task event, mmsd + children (haproxy handler, checks off; each flip also rewrites the config file)\n');
  console.log(`| apps × tasks | ${results.cpuPerEvent.map((r) => `${r.apps} × ${r.tasksPerApp}`).join(' | ')} |`);
  console.log(`| --- | ${results.cpuPerEvent.map(() => '---').join(' | ')} |`);
  console.log(`| CPU per event | ${results.cpuPerEvent.map((r) => ms(r.cpuMsPerEvent)).join(' | ')} |`);
  const [small, large] = [results.cpuPerEvent[0], results.cpuPerEvent.at(-1)];
  if (small && large && small !== large) console.log(`\nratio ${large.apps} apps / ${small.apps} apps: ${(large.cpuMsPerEvent / small.cpuMsPerEvent).toFixed(1)}`);
}

if (!values.only || values.only === 'idle') {
  results.idle = [];
  for (const handlers of ['none', 'haproxy'] as const) {
    process.stderr.write(`idle: ${handlers === 'none' ? 'no handler' : 'the haproxy handler'}, 100 apps, 60 s…\n`);
    results.idle.push(await benchIdle(100, handlers, 60));
  }
  console.log('\nidle CPU of mmsd (all its threads), nothing changing (100 apps × 3 tasks): its first 20 s, then 60 s\n');
  console.log('| handlers | CPU in the first 20 s (start, sync, memory reducer) | then CPU per second |');
  console.log('| --- | --- | --- |');
  for (const r of results.idle) console.log(`| ${r.handlers} | ${ms(r.settleMs)} | ${ms(r.cpuMsPerSecond)} |`);
}

if (!values.only || values.only === 'relay') {
  results.relay = [];
  const readers = Number(values.readers);
  for (const apps of sizes) {
    process.stderr.write(`relay: ${apps} apps × ${tasks} tasks, ${events} health flips, ${readers} event-stream readers…\n`);
    results.relay.push(await benchRelay(apps, tasks, events, readers));
  }
  console.log(`\nrelay: health flip → upstream file, an agent at the simulator and one behind a relay (same flips); the flip's event at each of ${readers} readers of the relay's stream\n`);
  console.log('| apps × tasks | at Marathon: median | p99 | behind a relay: median | p99 | fan-out to the readers: median | p99 | relay RSS (peak) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results.relay) {
    console.log(`| ${r.apps} × ${r.tasksPerApp} | ${ms(r.direct.median)} | ${ms(r.direct.p99)} | ${ms(r.relayed.median)} | ${ms(r.relayed.p99)} | ${ms(r.fanout.median)} | ${ms(r.fanout.p99)} | ${r.relayRssMb.toFixed(0)} MB (${r.relayPeakRssMb.toFixed(0)}) |`);
  }
  // What Marathon serves per minute with the default resyncInterval (300 s: a full fetch every 5 minutes per reader of Marathon), from the measured answer size.
  console.log('\nMarathon\'s load per minute (resyncInterval 300 s; event streams open: one per reader; answer sizes measured above)\n');
  console.log('| apps | agents | without relays: streams, full fetches / min, MiB / min | with 2 relays |');
  console.log('| --- | --- | --- | --- |');
  for (const r of results.relay) {
    for (const agents of [100, 1000, 10_000]) {
      const perMinute = (readers_: number) => readers_ / 5;
      const mb = (readers_: number) => ((perMinute(readers_) * r.appsAnswerBytes) / 2 ** 20).toFixed(1);
      console.log(`| ${r.apps} | ${agents} | ${agents}, ${perMinute(agents)}, ${mb(agents)} | 2, ${perMinute(2)}, ${mb(2)} |`);
    }
  }
  console.log(`\nRequests to the simulator's /v2/ while the agent behind the relay started and took its flips: ${results.relay.map((r) => `${r.marathonRequestsDuringFlips} at ${r.apps} apps`).join(', ')}`);
}

if (!values.only || values.only === 'nginx') {
  results.nginx = [];
  for (const apps of sizes) {
    for (const dynamic of ['reload', 'lua'] as const) {
      process.stderr.write(`nginx (${dynamic}): ${apps} apps × ${tasks} tasks, ${events} health flips, ${reloads} new apps…\n`);
      results.nginx.push(await benchNginx(apps, tasks, dynamic, events, reloads));
    }
  }
  console.log('\nnginx handler: the real CLI and a real nginx; a probe app of two loopback tasks among the synthetic ones\n');
  console.log('| apps × tasks | path | start (sync, render, nginx -t, start) | config | health flip → served, median | p99 | reloads during the flips | new app → served, median | max | of which render, median | nginx -t, median |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results.nginx) {
    console.log(`| ${r.apps} × ${r.tasksPerApp} | ${r.dynamic} | ${ms(r.startMs)} | ${r.configKb} kB | ${ms(r.flipToServed.median)} | ${ms(r.flipToServed.p99)} | ${r.reloadsDuringFlips} | ${ms(r.createToServed.median)} | ${ms(r.createToServed.max)} | ${ms(r.renderMs.median)} | ${ms(r.checkMs.median)} |`);
  }
}

await mkdir(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(`./results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
await writeFile(file, `${JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2)}\n`);
console.log(`\nsaved ${file.pathname}`);
