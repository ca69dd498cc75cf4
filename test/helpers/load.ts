// Continuous HTTP load for the load tests: what was answered, what failed and why.
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { waitFor } from './wait.js';

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

/** Until a request to `port` is answered with 200: the service is served. */
export async function untilServed(port: number): Promise<void> {
  await waitFor(async () => {
    const probe: Outcome = { ok: 0, failed: [], retried: 0 };
    await getOnce(port, false, probe);
    return probe.ok === 1;
  }, { what: 'the service' });
}

/**
 * Continuous load on `port` from `concurrency` loops with keep-alive connections and as many
 * without; `stop()` ends both and says what each saw, and for how long the load ran.
 */
export function loadBoth(t: { teardown(fn: () => unknown): void }, port: number, concurrency = 6) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  t.teardown(() => agent.destroy());
  const started = performance.now();
  const withKeepAlive = load(port, agent, concurrency);
  const without = load(port, false, concurrency);
  return {
    /** Requests answered so far, by both. */
    served: () => withKeepAlive.outcome.ok + without.outcome.ok,
    async stop(): Promise<{ keepAlive: Outcome; fresh: Outcome; seconds: number }> {
      const keepAlive = await withKeepAlive.stop();
      const fresh = await without.stop();
      return { keepAlive, fresh, seconds: (performance.now() - started) / 1000 };
    },
  };
}
