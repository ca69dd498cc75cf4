import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { noRoutes } from './gateway-view.js';
import type { GatewayMember, GatewayRoutes } from './gateway-view.js';
import type { HaproxyOptions } from './options.js';

/** TLS termination on the HTTPS gateway (`tls.certs`, `HAPROXY_{n}_SSL_CERT`). */
export interface TlsView {
  /** The loopback listener that terminates TLS: the HTTPS gateway hands it the connections it does not pass through. */
  socket: string;
  /** `crt` arguments: certificate directories and PEM files; HAProxy picks one by SNI, the first is the default. */
  certs: string[];
  /** Changes when a certificate file changes: HAProxy reloads (hitless) to take it. */
  fingerprint: string;
  /** Routing of the terminated HTTP requests by Host and path: the HTTP gateway's. */
  routes: GatewayRoutes;
  /** SNI names that are terminated (exact, and `.suffix` of wildcards): the rest passes through. */
  exact: string[];
  wildcard: string[];
}

const PEM = /-----BEGIN [A-Z ]*CERTIFICATE-----[\s\S]*-----BEGIN [A-Z ]*PRIVATE KEY-----|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*-----BEGIN [A-Z ]*CERTIFICATE-----/;

/** What a path holds for HAProxy's `crt`: a readable PEM with certificate and key, or a directory of them. */
function certFiles(path: string): { files: string[]; problem?: string } {
  try {
    const stat = statSync(path);
    const files = stat.isDirectory()
      ? readdirSync(path)
          .filter((name) => !name.startsWith('.') && !/\.(key|ocsp|issuer|sctl)$/.test(name))
          .map((name) => join(path, name))
          .filter((file) => statSync(file).isFile())
          .sort()
      : [path];
    for (const file of files) if (!PEM.test(readFileSync(file, 'utf8'))) return { files, problem: `${file} is not a PEM file with a certificate and its private key` };
    if (files.length === 0) return { files, problem: `${path} has no certificate` };
    return { files };
  } catch (error) {
    return { files: [], problem: `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
}

function fingerprintOf(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    const stat = statSync(file, { throwIfNoEntry: false });
    hash.update(`${file}\0${stat?.size ?? -1}\0${stat?.mtimeMs ?? -1}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * TLS termination, when the HTTPS gateway is on and there are certificates: from `tls.certs`
 * (each a PEM file or a directory of them) and the services' `HAPROXY_{n}_SSL_CERT`. A
 * certificate that cannot be used is left out with a warning (one bad file must not make
 * HAProxy refuse the whole config); HTTP services with vhosts are then served on HTTPS too.
 */
export function tlsView(
  options: HaproxyOptions,
  services: readonly (GatewayMember & { readonly mode: 'http' | 'tcp' })[],
  httpRoutes: GatewayRoutes | undefined,
  warnings: string[],
): TlsView | undefined {
  if (options.gateway.https <= 0) return undefined;
  const certs: string[] = [];
  const files: string[] = [];
  const take = (path: string, whose: string) => {
    if (certs.includes(path)) return;
    const found = certFiles(path);
    if (found.problem) {
      warnings.push(`TLS certificate ${path} (${whose}) is not used: ${found.problem}`);
      return;
    }
    certs.push(path);
    files.push(...found.files);
  };
  for (const path of options.tls?.certs ?? []) take(path, 'option tls.certs');
  for (const s of services) if (s.service.sslCert && s.mode === 'http') take(s.service.sslCert, `HAPROXY_${s.service.portIndex}_SSL_CERT of ${s.service.name}`);
  if (certs.length === 0) return undefined;
  const http = services.filter((s) => s.mode === 'http' && (s.service.vhosts.length > 0 || s.service.vhostDefault));
  const vhosts = [...new Set(http.flatMap((s) => s.service.vhosts))].sort();
  return {
    socket: join(dirname(options.socket), 'haproxy-tls.sock'),
    certs,
    fingerprint: fingerprintOf(files),
    routes: httpRoutes ?? noRoutes(),
    exact: vhosts.filter((v) => !v.startsWith('*.')),
    wildcard: vhosts.filter((v) => v.startsWith('*.')).map((v) => v.slice(1)),
  };
}
