import { createServer as createHttpServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { request } from 'node:http';
import type { Agent } from 'node:http';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

export interface HttpBackend {
  name: string;
  port: number;
  /** Requests received (health checks included), with their headers. */
  requests: { path: string; headers: Record<string, string | string[] | undefined> }[];
  /** The status it answers with (200 unless a test changes it). */
  status: number;
  close(): Promise<void>;
}

function listening(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** An HTTP server on loopback that answers every request with its own name. */
export async function httpBackend(name: string): Promise<HttpBackend> {
  const requests: HttpBackend['requests'] = [];
  const server = createHttpServer((req, res) => {
    requests.push({ path: req.url ?? '/', headers: req.headers });
    res.writeHead(backend.status, { 'Content-Type': 'text/plain', 'X-Backend': name });
    res.end(name);
  });
  server.keepAliveTimeout = 60_000;
  const port = await listening(server);
  const backend: HttpBackend = {
    name,
    port,
    requests,
    status: 200,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return backend;
}

/**
 * A TCP server that expects a PROXY protocol header (v1 text or v2 binary) and answers with
 * what it received: `<name> v1 TCP4 127.0.0.1 …` or `<name> v2 …`, or `<name> none`.
 */
export async function proxyProtocolBackend(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', (data) => {
      const v2 = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
      if (data.subarray(0, 12).equals(v2)) socket.end(`${name} v2 family=${data[13]! >> 4}\n`);
      else if (data.toString('latin1').startsWith('PROXY ')) socket.end(`${name} v1 ${data.toString('latin1').split('\r\n')[0]!.slice(6)}\n`);
      else socket.end(`${name} none\n`);
    });
  });
  const port = await listening(server);
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** GET http://127.0.0.1:<port><path> with an optional Host header; resolves with status and body. */
export function get(port: number, options: { host?: string; path?: string; agent?: Agent; timeout?: number } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/',
        headers: options.host ? { Host: options.host } : {},
        agent: options.agent ?? false,
        timeout: options.timeout ?? 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A self-signed certificate for `*.example.com` (made with openssl, into `dir`). */
export async function selfSignedCertificate(dir: string): Promise<{ key: string; cert: string }> {
  const key = join(dir, 'tls.key');
  const cert = join(dir, 'tls.crt');
  await new Promise<void>((resolve, reject) =>
    execFile(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=*.example.com'],
      (error) => (error ? reject(error) : resolve()),
    ),
  );
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
}

/** An HTTPS server on loopback that answers every request with its own name and the SNI it was asked for. */
export async function httpsBackend(name: string, tls: { key: string; cert: string }): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpsServer(tls, (req, res) => {
    const sni = (req.socket as TLSSocket).servername;
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`${name} ${sni || '-'}`);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** GET https://<servername>/ through 127.0.0.1:<port> (certificates not verified: the test's own). */
export function getTls(port: number, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path: '/', ...(servername ? { servername, headers: { Host: servername } } : {}), rejectUnauthorized: false, agent: false, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
