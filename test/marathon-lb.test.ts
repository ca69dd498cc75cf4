// Apps labelled for marathon-lb, served by mmsd's haproxy handler as they are (labels: both, the
// default), with real HAProxy and real backends: vhost and vhost + path routing (the longest path
// first), sticky sessions, the redirect to HTTPS and HSTS, basic auth, a source-IP ACL; and a
// backend change still applies without a reload (with a reload for static-rr, whose backends
// HAProxy cannot change at run time).
import test from 'ava';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { HttpBackend } from './helpers/backends.js';
import { backends, setup, startMmsd } from './helpers/mmsd-haproxy.js';
import { serversUp } from './helpers/haproxy.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

interface Answer {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

function ask(port: number, options: { host?: string; path?: string; headers?: Record<string, string>; from?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/',
        headers: { ...(options.host ? { Host: options.host } : {}), ...options.headers },
        agent: false,
        timeout: 5000,
        ...(options.from ? { localAddress: options.from } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// `openssl passwd -6 -salt mmsdsalt secret`
const HASH = '$6$mmsdsalt$0C5ZELHPPudwmcwjnckVmKr.wdUwSIY0ub.UFhWWIgJAZjNnRrARlbrQzWgUrP3iVvJ3o7pYR0NTu2wzArOdu.';

test('marathon-lb labels with real HAProxy: vhost, vhost + path (longest first), sticky, redirect to HTTPS, HSTS, basic auth, source ACL; a backend change needs no reload', async (t) => {
  const env = await setup(t);
  const { sim, ports } = env;
  const [web1, web2, web3, api, apiV2, admin, internal] = await backends(t, ['web1', 'web2', 'web3', 'api', 'api-v2', 'admin', 'internal']);
  const app = async (id: string, list: HttpBackend[], labels: Record<string, string>) => {
    const port = await freePort();
    await sim.createApp(
      { id, instances: list.length, labels, portDefinitions: [{ port, name: 'http' }], healthChecks: [{ protocol: 'HTTP', path: '/health', portIndex: 0, intervalSeconds: 1 }] },
      list.map((b) => ({ host: '127.0.0.1', ports: [b.port], healthy: true })),
    );
    return port;
  };
  const webPort = await app('/shop/web', [web1!, web2!], {
    HAPROXY_GROUP: 'external',
    HAPROXY_0_VHOST: 'shop.example.com',
    HAPROXY_0_STICKY: 'true',
    HAPROXY_0_BALANCE: 'roundrobin',
    HAPROXY_0_REDIRECT_TO_HTTPS: 'true',
    HAPROXY_0_USE_HSTS: 'true',
  });
  await app('/shop/api', [api!], { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'shop.example.com', HAPROXY_0_PATH: '/api' });
  await app('/shop/api-v2', [apiV2!], { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'shop.example.com', HAPROXY_0_PATH: '/api/v2' });
  await app('/shop/admin', [admin!], { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'admin.example.com', HAPROXY_0_AUTH: `Shop admin:admin:${HASH}` });
  await app('/shop/internal', [internal!], { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'internal.example.com', HAPROXY_0_BACKEND_NETWORK_ALLOWED_ACL: '127.0.0.2/32' });
  const cli = startMmsd(t, env.config, env.s.env);
  const gateway = ports.http;
  const up = async (host: string, path: string, body: string, from?: string) =>
    (await ask(gateway, { host, path, ...(from ? { from } : {}), headers: { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` } }).catch(() => undefined))?.body === body;
  await waitFor(async () => (await up('shop.example.com', '/api/x', 'api')) && (await up('shop.example.com', '/api/v2/x', 'api-v2')) && (await up('admin.example.com', '/', 'admin')) && (await up('internal.example.com', '/', 'internal', '127.0.0.2')), {
    what: 'every app served (their checks passed)',
  });
  await waitFor(async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await ask(webPort).catch(() => undefined))?.body ?? '');
    return seen.has('web1') && seen.has('web2');
  }, { what: 'both tasks of the sticky app served' });

  // By vhost and path, the longest path first; the rest of the vhost goes to the app without a path.
  t.is((await ask(gateway, { host: 'shop.example.com', path: '/api/v2/items' })).body, 'api-v2');
  t.is((await ask(gateway, { host: 'shop.example.com', path: '/api/items' })).body, 'api');
  // HAPROXY_0_REDIRECT_TO_HTTPS: plain HTTP on the gateway is sent to HTTPS.
  const redirected = await ask(gateway, { host: 'shop.example.com', path: '/cart?x=1' });
  t.is(redirected.status, 301);
  t.is(redirected.headers.location, 'https://shop.example.com/cart?x=1');

  // Sticky sessions (on the service port, which is not redirected), and HSTS on the answers.
  const first = await ask(webPort);
  t.is(first.headers['strict-transport-security'], 'max-age=15768000');
  const cookie = (first.headers['set-cookie'] ?? []).find((c) => c.startsWith('mesosphere_server_id='));
  t.truthy(cookie, 'a stickiness cookie');
  const stuck = new Set<string>();
  for (let i = 0; i < 10; i++) stuck.add((await ask(webPort, { headers: { Cookie: cookie!.split(';')[0]! } })).body);
  t.deepEqual([...stuck], [first.body], 'every request with the cookie reaches the same backend');
  const spread = new Set<string>();
  for (let i = 0; i < 10; i++) spread.add((await ask(webPort)).body);
  t.deepEqual([...spread].sort(), ['web1', 'web2'], 'without it, round robin');

  // Basic auth refuses and admits.
  const refused = await ask(gateway, { host: 'admin.example.com' });
  t.is(refused.status, 401);
  t.regex(String(refused.headers['www-authenticate']), /^Basic realm="Shop admin"/);
  t.is((await ask(gateway, { host: 'admin.example.com', headers: { Authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` } })).status, 401);
  const admitted = await ask(gateway, { host: 'admin.example.com', headers: { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` } });
  t.deepEqual([admitted.status, admitted.body], [200, 'admin']);

  // The source-IP ACL: 127.0.0.2 may, 127.0.0.1 may not.
  t.is((await ask(gateway, { host: 'internal.example.com' })).status, 403);
  const allowed = await ask(gateway, { host: 'internal.example.com', from: '127.0.0.2' });
  t.deepEqual([allowed.status, allowed.body], [200, 'internal']);

  // A new task of the sticky app: through the runtime API (its server carries its cookie), no reload.
  const reloads = cli.err.filter((l) => /HAProxy reloaded/.test(l)).length;
  await sim.launchTask('/shop/web', { host: '127.0.0.1', ports: [web3!.port], healthy: true });
  await waitFor(async () => (await ask(webPort)).body === 'web3', { what: 'the new task served' });
  const third = (await ask(webPort, { headers: { Cookie: 'mesosphere_server_id=nothing' } })).headers['set-cookie'];
  t.truthy(third);
  t.is(cli.err.filter((l) => /HAProxy reloaded/.test(l)).length, reloads, 'no reload for the new task');
});

test('HAPROXY_{n}_BALANCE static-rr and source with real HAProxy: a new task of either is served, static-rr after a reload (HAProxy adds no server to it at run time), source without one; nothing refused', async (t) => {
  const env = await setup(t);
  const { sim } = env;
  const [s1, s2, h1, h2] = await backends(t, ['static-1', 'static-2', 'hash-1', 'hash-2']);
  const app = async (id: string, list: HttpBackend[], balance: string) => {
    const port = await freePort();
    await sim.createApp(
      { id, instances: list.length, labels: { HAPROXY_0_BALANCE: balance, HAPROXY_0_MODE: 'http' }, portDefinitions: [{ port, name: 'http' }], healthChecks: [{ protocol: 'HTTP', path: '/health', portIndex: 0, intervalSeconds: 1 }] },
      list.map((b) => ({ host: '127.0.0.1', ports: [b.port], healthy: true })),
    );
    return port;
  };
  const staticPort = await app('/static', [s1!], 'static-rr');
  const hashPort = await app('/hash', [h1!], 'source');
  const cli = startMmsd(t, env.config, env.s.env);
  const body = async (port: number) => (await ask(port).catch(() => undefined))?.body;
  await waitFor(async () => (await body(staticPort)) === 'static-1' && (await body(hashPort)) === 'hash-1', { what: 'both apps served' });
  const reloads = () => cli.err.filter((l) => /HAProxy reloaded/.test(l)).length;

  const before = reloads();
  await sim.launchTask('/hash', { host: '127.0.0.1', ports: [h2!.port], healthy: true });
  await waitFor(async () => (await serversUp(env.files.socket, 'hash')).length === 2, { what: 'the new task of the source-balanced app up in HAProxy' });
  t.is(reloads(), before, 'source (hash-type consistent) takes the server at run time');

  await sim.launchTask('/static', { host: '127.0.0.1', ports: [s2!.port], healthy: true });
  await waitFor(async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await body(staticPort)) ?? '');
    return seen.has('static-2');
  }, { what: 'the new task of the static-rr app served' });
  t.is(reloads(), before + 1, 'static-rr: one reload');
  t.false(cli.err.some((l) => /refused/.test(l)), cli.err.filter((l) => /refused/.test(l)).join('\n'));
});
