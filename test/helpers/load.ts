// Continuous HTTP load for the load tests: what was answered, what failed and why.
import { request } from 'node:http';
import type { Agent } from 'node:http';

export interface Outcome {
  ok: number;
  failed: string[];
  /** Requests retried because a reused keep-alive connection was closed before any answer (RFC 9112 §9.3.1). */
  retried: number;
}

/** One GET; an idempotent request whose reused connection was closed under it is retried once, as browsers and most clients do. */
export function getOnce(port: number, agent: Agent | false, outcome: Outcome, retry = true): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) outcome.ok++;
        else outcome.failed.push(`status ${res.statusCode}`);
        resolve();
      });
      res.on('error', (error) => {
        outcome.failed.push(`response: ${error.message}`);
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (retry && req.reusedSocket && error.code === 'ECONNRESET') {
        outcome.retried++;
        void getOnce(port, agent, outcome, false).then(resolve);
        return;
      }
      outcome.failed.push(`${req.reusedSocket ? 'reused' : 'new'} connection${retry ? '' : ' (a retry)'}: ${error.code ?? error.message}`);
      resolve();
    });
    req.end();
  });
}

/** `concurrency` loops of GETs until `stop()`; resolves with what they saw. */
export function load(port: number, agent: Agent | false, concurrency: number) {
  const outcome: Outcome = { ok: 0, failed: [], retried: 0 };
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) await getOnce(port, agent, outcome);
  });
  return {
    outcome,
    async stop(): Promise<Outcome> {
      running = false;
      await Promise.all(loops);
      return outcome;
    },
  };
}

