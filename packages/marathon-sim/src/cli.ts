import { parseArgs } from 'node:util';
import { generateCluster } from './cluster.js';
import { startDemo } from './demo.js';
import { SAMPLE_APPS_FILE } from './samples.js';
import { MarathonSimulator } from './simulator.js';

const HELP = `mmsd-sim: a Marathon 1.10 API simulator

Usage: mmsd-sim [options]

Options:
  --port N            port to listen on (default 8080; 0 = any free port)
  --host ADDR         address to listen on (default 127.0.0.1)
  --fixture FILE      serve this /v2/apps?embed=apps.tasks body (default: the sample cluster)
  --apps N            serve a synthetic cluster of N apps instead
  --tasks M           tasks per synthetic app (default 3)
  --agents LIST       comma-separated agent hosts for new tasks (default 127.0.0.1)
  --demo              keep the cluster moving (kills, health flips, scaling)
  --interval MS       milliseconds between demo actions (default 4000)
  --heartbeat MS      event stream heartbeat interval (default 10000)
  --auth USER:PASS    require HTTP basic auth
  -h, --help          show this help

Examples:
  mmsd-sim --port 8080 --demo --interval 2000
  mmsd-sim --apps 1000 --tasks 10
  curl -s localhost:8080/v2/apps?embed=apps.tasks
  curl -N -H 'Accept: text/event-stream' localhost:8080/v2/events
  curl -X PUT -d '{"instances":3}' localhost:8080/v2/apps/developer/trapni/php
  curl -X POST -d '{"alive":false}' localhost:8080/_sim/tasks/<task-id>/health
`;

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      fixture: { type: 'string' },
      apps: { type: 'string' },
      tasks: { type: 'string', default: '3' },
      agents: { type: 'string' },
      demo: { type: 'boolean' },
      interval: { type: 'string', default: '4000' },
      heartbeat: { type: 'string', default: '10000' },
      auth: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const sim = await MarathonSimulator.start({
    port: Number(values.port),
    host: values.host,
    heartbeatInterval: Number(values.heartbeat),
    ...(values.agents ? { agents: values.agents.split(',') } : {}),
    ...(values.auth ? { auth: { basic: values.auth } } : {}),
  });
  if (values.apps) sim.loadApps(generateCluster({ apps: Number(values.apps), tasksPerApp: Number(values.tasks) }));
  else sim.loadFile(values.fixture ?? SAMPLE_APPS_FILE);
  process.stdout.write(`mmsd-sim: Marathon ${sim.options.version} simulator on ${sim.url} with ${sim.appIds().length} apps\n`);
  if (values.demo) {
    startDemo(sim, { interval: Number(values.interval) || 4000, onAction: (a) => process.stdout.write(`mmsd-sim: ${a}\n`) });
  }
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
