import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Ports handed out are taken below the kernel's ephemeral range: a port the kernel picked for
 * `listen(0)` is also one it may pick as the local port of any outgoing connection (the load
 * test opens thousands), which can take it before the HAProxy or Redis it was meant for binds it.
 */
const range = ((): { low: number; high: number } | undefined => {
  try {
    const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (ephemeralLow && ephemeralLow - 1 - 10_000 >= 2_000) return { low: 10_000, high: ephemeralLow - 1 };
  } catch {
    // Not Linux: the kernel's choice will do.
  }
  return undefined;
})();

const handedOut = new Set<number>();

function listenable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago, and not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const candidate = range ? range.low + Math.floor(Math.random() * (range.high - range.low + 1)) : 0;
    if (handedOut.has(candidate)) continue;
    const port = await listenable(candidate);
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free TCP port found on 127.0.0.1 after 100 attempts');
}
