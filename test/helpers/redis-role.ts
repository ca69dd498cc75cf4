import { createConnection } from 'node:net';

/**
 * One connection to a port, one `INFO replication`: the `role:` of the Redis that answered,
 * or `none` when the connection was refused or closed without an answer (HAProxy with no
 * server up). Fast enough for a tight loop, unlike redis-cli.
 */
export function redisRoleOnce(port: number, timeoutMs = 2000, keep?: Promise<unknown>): Promise<'master' | 'slave' | 'none'> {
  return new Promise((resolve) => {
    let data = '';
    let done = false;
    const socket = createConnection({ port, host: '127.0.0.1' });
    const finish = (role: 'master' | 'slave' | 'none') => {
      if (done) return;
      done = true;
      // Held open until `keep` settles: connections open at once are what leastconn spreads.
      if (keep) void keep.finally(() => socket.destroy());
      else socket.destroy();
      resolve(role);
    };
    socket.setTimeout(timeoutMs, () => finish('none'));
    socket.on('connect', () => socket.write('INFO replication\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const role = /\r\nrole:(master|slave)\r\n/.exec(data)?.[1];
      if (role) finish(role as 'master' | 'slave');
    });
    socket.on('error', () => finish('none'));
    socket.on('close', () => finish('none'));
  });
}

/** `count` connections open at the same time: the role that answered each. */
export async function redisRolesAtOnce(port: number, count: number): Promise<('master' | 'slave' | 'none')[]> {
  let release!: () => void;
  const keep = new Promise<void>((resolve) => (release = resolve));
  try {
    return await Promise.all(Array.from({ length: count }, () => redisRoleOnce(port, 2000, keep)));
  } finally {
    release();
  }
}
