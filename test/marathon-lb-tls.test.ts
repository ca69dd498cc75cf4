// TLS termination on the HTTPS gateway (option tls.certs, marathon-lb's --ssl-certs): SNI picks
// between two certificates this test makes with openssl; TLS passthrough beside it for a tcp
// service; a certificate replaced on disk is served after a hitless reload, while requests go on.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { httpsBackend, selfSignedCertificate } from './helpers/backends.js';
import { backends, setup, startMmsd } from './helpers/mmsd-haproxy.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

const run = promisify(execFile);

/** A self-signed certificate for `host` and its key, in one PEM file (as HAProxy's crt takes it). */
async function certificate(dir: string, host: string, file = `${host}.pem`): Promise<string> {
  // The key and certificate are made beside the directory: HAProxy would load them from it too.
  const key = join(dir, '..', `${host}.key`);
  const cert = join(dir, '..', `${host}.crt`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`]);
  const pem = join(dir, file);
  await writeFile(pem, `${await readFile(cert, 'utf8')}${await readFile(key, 'utf8')}`);
  return pem;
}

/** GET https://<servername>/ at 127.0.0.1:<port>: the answer and the certificate's subject and serial. */
function fetchTls(port: number, servername: string): Promise<{ status: number; body: string; cn: string; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/', servername, headers: { Host: servername }, rejectUnauthorized: false, agent: false, timeout: 5000 }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cn: String(peer.subject?.CN ?? ''), serial: peer.serialNumber ?? '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

test('TLS termination: SNI chooses between two certificates, passthrough beside it, and a certificate changed on disk is served without a failed request', async (t) => {
  let certs = '';
  const env = await setup(t, {
    before: async (dir) => {
      certs = join(dir, 'certs');
      await mkdir(certs);
      await certificate(certs, 'a.example.com');
      await certificate(certs, 'b.example.com');
    },
    extra: {},
  });
  // setup() wrote the config before it knew the directory: add tls.certs to it.
  await writeFile(env.config, (await readFile(env.config, 'utf8')).replace('"writeDelay":100', `"writeDelay":100,"tls":{"certs":["${certs}"]}`));
  const { sim, ports } = env;
  const [a, b] = await backends(t, ['site-a', 'site-b']);
  const tls = await selfSignedCertificate(env.s.dir);
  const passed = await httpsBackend('passed', tls);
  t.teardown(() => passed.close());
  const app = async (id: string, port: number, labels: Record<string, string>, http = true) =>
    sim.createApp(
      { id, instances: 1, labels, portDefinitions: [{ port: await freePort(), name: 'p' }], ...(http ? { healthChecks: [{ protocol: 'HTTP', path: '/', portIndex: 0, intervalSeconds: 1 }] } : {}) },
      [{ host: '127.0.0.1', ports: [port], healthy: true }],
    );
  await app('/site/a', a!.port, { HAPROXY_0_VHOST: 'a.example.com' });
  await app('/site/b', b!.port, { HAPROXY_0_VHOST: 'b.example.com', HAPROXY_0_USE_HSTS: 'true' });
  await app('/pass/through', passed.port, { HAPROXY_0_VHOST: 'pass.example.com', HAPROXY_0_MODE: 'tcp' }, false);
  const cli = startMmsd(t, env.config, env.s.env);
  const gateway = ports.https;
  await waitFor(async () => (await fetchTls(gateway, 'a.example.com').catch(() => undefined))?.body === 'site-a', { what: 'a.example.com served over TLS' });
  await waitFor(async () => (await fetchTls(gateway, 'b.example.com').catch(() => undefined))?.body === 'site-b', { what: 'b.example.com served over TLS' });

  const first = await fetchTls(gateway, 'a.example.com');
  t.deepEqual([first.status, first.body, first.cn], [200, 'site-a', 'a.example.com'], "a.example.com's certificate");
  const second = await fetchTls(gateway, 'b.example.com');
  t.deepEqual([second.body, second.cn], ['site-b', 'b.example.com'], "b.example.com's certificate");
  const pass = await waitFor(() => fetchTls(gateway, 'pass.example.com').catch(() => undefined), { what: 'passthrough' });
  t.deepEqual([pass.body, pass.cn], ['passed pass.example.com', '*.example.com'], 'passed through: the backend terminates TLS with its own certificate');

  // A new certificate for b.example.com, renamed over the old one, as certbot and co. do.
  const reloads = () => cli.err.filter((l) => /HAProxy reloaded/.test(l)).length;
  const before = reloads();
  let failed = 0;
  let answered = 0;
  let going = true;
  const load = (async () => {
    while (going) {
      try {
        if ((await fetchTls(gateway, 'a.example.com')).body === 'site-a') answered++;
        else failed++;
      } catch {
        failed++;
      }
    }
  })();
  await certificate(certs, 'b.example.com', '.b.new');
  await rename(join(certs, '.b.new'), join(certs, 'b.example.com.pem'));
  const renewed = await waitFor(async () => {
    const r = await fetchTls(gateway, 'b.example.com').catch(() => undefined);
    return r && r.serial !== second.serial ? r : undefined;
  }, { what: 'the new certificate served' });
  going = false;
  await load;
  t.is(renewed.cn, 'b.example.com');
  await waitFor(() => reloads() > before, { what: 'the reload that took the new certificate logged' });
  t.true(cli.err.some((l) => /a TLS certificate changed on disk; HAProxy takes it with a reload/.test(l)));
  t.is(failed, 0, `no request failed across the change (${answered} answered)`);
  t.true(answered > 0);
});
