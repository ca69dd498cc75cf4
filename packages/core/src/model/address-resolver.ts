import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { isHostName } from './validate.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { AddressLookup } from './services.js';

/**
 * Resolves agent host names to IPs so that load balancer configs carry addresses and never
 * block on DNS. Lookups are cached for `ttl` and refreshed in the background; a refresh that
 * changes an address is reported through `onChange`.
 */
export interface AddressResolver {
  /** The cached address of `host`, without waiting. */
  readonly lookup: AddressLookup;
  /** Resolves the hosts not yet in the cache (each bounded by the lookup timeout). */
  ensure(hosts: Iterable<string>): Promise<void>;
  /** True when every host is in the cache (resolved or known not to resolve). */
  knows(host: string): boolean;
  onChange(listener: (host: string) => void): void;
}

export interface DnsResolverOptions {
  /** Seconds a resolved address is trusted before it is looked up again. */
  ttl?: number;
  /** Milliseconds one lookup may take. */
  timeout?: number;
  log?: Logger;
  /** Fixed addresses that win over DNS (config `dns.hosts`). */
  hosts?: Readonly<Record<string, string>>;
  resolve?: (host: string) => Promise<string>;
  now?: () => number;
}

interface Entry {
  address?: string;
  expires: number;
  pending?: Promise<void>;
  /** The last lookup failed (its failure was logged). */
  failing?: boolean;
}

const NEGATIVE_TTL_MS = 10_000;
/**
 * dns.lookup (getaddrinfo, which honours /etc/hosts) runs on libuv's threadpool; a DNS server
 * that answers slowly would otherwise hold every thread and stall file I/O with it.
 */
const MAX_CONCURRENT_LOOKUPS = 2;

async function systemResolve(host: string): Promise<string> {
  const addresses = await dns.lookup(host, { all: true });
  const chosen = addresses.find((a) => a.family === 4) ?? addresses[0];
  if (!chosen) throw new Error('no address');
  return chosen.address;
}

/** Runs at most `limit` of the given tasks at once. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

export function createDnsResolver(options: DnsResolverOptions = {}): AddressResolver {
  const ttlMs = (options.ttl ?? 60) * 1000;
  const timeoutMs = options.timeout ?? 2000;
  const log = options.log ?? silentLogger;
  const fixed = options.hosts ?? {};
  const system = options.resolve ?? systemResolve;
  const limit = limiter(MAX_CONCURRENT_LOOKUPS);
  const resolve = (host: string): Promise<string> => (fixed[host] ? Promise.resolve(fixed[host]) : limit(() => system(host)));
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();
  const listeners: ((host: string) => void)[] = [];

  const refresh = (host: string): Promise<void> => {
    const entry = cache.get(host) ?? { expires: 0 };
    if (entry.pending) return entry.pending;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    entry.pending = Promise.race([resolve(host), timeout])
      .then(
        (address) => {
          const changed = entry.address !== address;
          if (entry.failing) log.info('%s resolves again, to %s', host, address);
          entry.failing = false;
          entry.address = address;
          entry.expires = now() + ttlMs;
          return changed;
        },
        (error: unknown) => {
          // Said once per failure spell; load balancers then skip the backends on this host.
          (entry.failing ? log.debug : log.warn)(
            'cannot resolve %s: %s (retrying every %ds)',
            host,
            (error as Error).message,
            NEGATIVE_TTL_MS / 1000,
          );
          entry.failing = true;
          // Keep a known address when a refresh fails: a DNS hiccup must not unroute backends.
          entry.expires = now() + NEGATIVE_TTL_MS;
          return false;
        },
      )
      .then((changed) => {
        clearTimeout(timer);
        delete entry.pending;
        if (changed && listeners.length > 0) for (const listener of listeners) listener(host);
      });
    cache.set(host, entry);
    return entry.pending;
  };

  return {
    lookup(host) {
      const entry = cache.get(host);
      if (entry && entry.expires > now()) return entry.address;
      if (!entry) {
        const literal = isIP(host) ? host : fixed[host];
        if (literal) {
          cache.set(host, { address: literal, expires: Number.POSITIVE_INFINITY });
          return literal;
        }
      }
      void refresh(host);
      return entry?.address;
    },
    async ensure(hosts) {
      const waits: Promise<void>[] = [];
      for (const host of hosts) {
        if (!host || isIP(host) || !isHostName(host)) continue;
        const entry = cache.get(host);
        if (!entry) waits.push(refresh(host));
        else if (entry.pending && entry.address === undefined) waits.push(entry.pending);
      }
      if (waits.length > 0) await Promise.all(waits);
    },
    knows(host) {
      return isIP(host) !== 0 || (cache.get(host)?.expires ?? 0) > 0;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}

/** A resolver with fixed answers (tests, golden files): unknown hosts do not resolve. */
export function createStaticResolver(addresses: Readonly<Record<string, string>>): AddressResolver {
  const literals = new Map<string, boolean>();
  const isLiteral = (host: string): boolean => {
    let known = literals.get(host);
    if (known === undefined) literals.set(host, (known = isIP(host) !== 0));
    return known;
  };
  return {
    lookup: (host) => (isLiteral(host) ? host : addresses[host]),
    ensure: async () => {},
    knows: () => true,
    onChange: () => {},
  };
}
