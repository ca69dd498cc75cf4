import { execFile, spawn } from 'node:child_process';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

/** redis-cli against 127.0.0.1:<port>; resolves with its output. */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}

/** The `role:` and `tcp_port:` of the Redis that answers on a port. */
export async function redisRole(port: number): Promise<{ role: string; port: number }> {
  const info = await redisCli(port, 'info', 'server');
  const replication = await redisCli(port, 'info', 'replication');
  return { role: /^role:(\w+)/m.exec(replication)?.[1] ?? '?', port: Number(/^tcp_port:(\d+)/m.exec(info)?.[1]) };
}

/** A real redis-server on loopback, without persistence; stopped by `stop()`. */
export async function startRedis(dir: string): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', `dump-${port}.rdb`], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await waitFor(async () => (await redisCli(port, 'ping')).trim() === 'PONG', { what: `redis-server on ${port}` });
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
