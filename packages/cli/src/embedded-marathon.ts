import { MarathonSimulator, SAMPLE_AGENTS, SAMPLE_APPS_FILE, startDemo } from '@mmsd/marathon-sim';
import type { Logger } from '@mmsd/core';

export interface EmbeddedMarathon {
  readonly url: string;
  /** Addresses of the sample cluster's agents (they are not in DNS). */
  readonly hosts: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * When no Marathon is given, mmsd runs against the simulator with the sample cluster, so the
 * quick start (and `dump`, `render`) work on a fresh machine. With `demo`, the cluster moves.
 */
export async function startEmbeddedMarathon(log: Logger, options: { demo: boolean }): Promise<EmbeddedMarathon> {
  const sim = await MarathonSimulator.start({ agents: Object.keys(SAMPLE_AGENTS) });
  sim.loadFile(SAMPLE_APPS_FILE);
  log.info(
    'no Marathon given (--marathon, --marathon-host, MARATHON_HOST or marathon.endpoints): using the embedded Marathon simulator at %s with %d sample apps',
    sim.url,
    sim.appIds().length,
  );
  const stopDemo = options.demo
    ? startDemo(sim, { interval: 3000, onAction: (action) => log.info('simulator: %s', action) })
    : () => {};
  return {
    url: sim.url,
    hosts: SAMPLE_AGENTS,
    async close() {
      stopDemo();
      await sim.close();
    },
  };
}
