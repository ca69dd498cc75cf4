// Continuous HTTP load for the load tests: what was answered, what failed and why.
import { request } from 'node:http';
import type { Agent } from 'node:http';
import type { Socket } from 'node:net';

export interface Outcome {
  ok: number;
  failed: string[];
  /** Requests retried because a reused keep-alive connection was closed before any answer (RFC 9112 §9.3.1). */
  retried: number;
}

// Whether a connection was reused is tracked here: Node's Agent hands a request that waited in
// its queue a kept-alive socket without setting `req.reusedSocket`, so that flag called such a
// request "new" — which made a server closing an idle keep-alive connection look like a reset
// of a fresh one (measured against nginx alone: every such failure was on a socket that had
// already served a response).
const served = new WeakSet<Socket>();

/**
 * One GET. An idempotent request whose reused connection was closed under it is retried once,
 * on a fresh connection, as browsers and most clients do; nothing else is retried.
 */
export function getOnce(port: number, agent: Agent | false, outcome: Outcome, retry = true): Promise<void> {
  return new Promise((resolve) => {
    let socket: Socket | undefined;
    let reused = false;
    const req = request({ host: '127.0.0.1', port, path: '/', agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        if (socket) served.add(socket);
        if (res.statusCode === 200) outcome.ok++;
        else outcome.failed.push(`status ${res.statusCode}`);
        resolve();
      });
      res.on('error', (error) => {
        outcome.failed.push(`response: ${error.message}`);
        resolve();
      });
    });
    req.on('socket', (s) => {
      socket = s;
      reused = served.has(s);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (retry && reused && error.code === 'ECONNRESET') {
        outcome.retried++;
        void getOnce(port, false, outcome, false).then(resolve);
        return;
      }
      outcome.failed.push(`${reused ? 'reused' : 'new'} connection${retry ? '' : ' (a retry)'}: ${error.code ?? error.message}`);
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
