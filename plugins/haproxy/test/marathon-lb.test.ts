// marathon-lb's labels through the model into the HAProxy config: each typed label mapped, mmsd's
// own labels winning, template overrides refused, strict mode; and a property test with hostile
// values in every label: the service is left out, nothing leaks, every config passes haproxy -c.
import test from 'ava';
import fc from 'fast-check';
import type { MarathonApp, Snapshot } from '@mmsd/core';
import { MARATHON_LB_PORT_LABELS } from '@mmsd/core';
import { createStaticResolver, StateStore } from '@mmsd/core/testing';
import { buildView, compileTemplate } from '../src/index.js';
import { configSections, haproxyCheck, optionsDefaults } from './support.js';

const render = compileTemplate();

function app(id: string, labels: Record<string, string>, port = 10900, tasks = 1): MarathonApp {
  return {
    id,
    instances: tasks,
    labels,
    networks: [{ mode: 'host' }],
    portDefinitions: [{ port, protocol: 'tcp' }],
    tasks: Array.from({ length: tasks }, (_, i) => ({ id: `${id.slice(1).replace(/\//g, '_')}.t${i}`, host: `10.0.3.${i + 1}`, ports: [32000 + i], state: 'TASK_RUNNING', startedAt: '2026-01-01T00:00:00.000Z' })),
  } as unknown as MarathonApp;
}

function snapshot(apps: MarathonApp[], rules?: { dialect: 'mmsd' | 'marathon-lb' | 'both'; strictMode: boolean }, groups = ['*']): Snapshot {
  const store = new StateStore({ groups, resolver: createStaticResolver({}), ...(rules ? { labelRules: rules } : {}) });
  store.replaceAll(apps);
  return store.publish()!.snapshot;
}

test('each typed label is mapped onto the service', (t) => {
  const s = snapshot([
    app('/a', {
      HAPROXY_GROUP: 'external',
      HAPROXY_0_VHOST: 'A.example.com, b.example.com',
      HAPROXY_0_PATH: '/api  /v1',
      HAPROXY_0_BACKEND_WEIGHT: '-3',
      HAPROXY_0_PORT: '18080',
      HAPROXY_0_BIND_ADDR: '127.0.0.2',
      HAPROXY_0_BALANCE: 'RoundRobin',
      HAPROXY_0_STICKY: 'true',
      HAPROXY_0_REDIRECT_TO_HTTPS: 'true',
      HAPROXY_0_USE_HSTS: 'true',
      HAPROXY_0_AUTH: 'Team area:ops:$6$salt1234$abcdefghijklmnop',
      HAPROXY_0_BACKEND_NETWORK_ALLOWED_ACL: '10.0.0.0/8, 192.168.0.7 fd00::/8',
      HAPROXY_0_SSL_CERT: '/etc/ssl/mmsd/a.pem',
    }),
  ]).services.get('a')!;
  t.like(s, { servicePort: 18080, proto: 'http', backendWeight: -3, bindAddress: '127.0.0.2', balance: 'roundrobin', sticky: true, redirectToHttps: true, hsts: true, sslCert: '/etc/ssl/mmsd/a.pem' });
  t.deepEqual([s.groups, s.vhosts, s.paths, s.allowedSources], [['external'], ['a.example.com', 'b.example.com'], ['/api', '/v1'], ['10.0.0.0/8', '192.168.0.7', 'fd00::/8']]);
  t.deepEqual(s.auth, { realm: 'Team area', user: 'ops', passwordHash: '$6$salt1234$abcdefghijklmnop' });
});

test("mmsd's labels win; HAPROXY_{n}_GROUP overrides HAPROXY_GROUP; MODE tcp keeps a vhost in tcp mode; labels: mmsd ignores marathon-lb's", (t) => {
  const apps = [
    app('/own', { 'lb-group': 'mine', 'lb-vhost': 'own.example.com', proto: 'tcp', HAPROXY_GROUP: 'theirs', HAPROXY_0_VHOST: 'theirs.example.com' }, 10901),
    app('/per-port', { HAPROXY_GROUP: 'app-level', HAPROXY_0_GROUP: 'port-level' }, 10902),
    app('/tls', { HAPROXY_0_VHOST: 'tls.example.com', HAPROXY_0_MODE: 'tcp' }, 10903),
  ];
  const s = snapshot(apps).services;
  t.like(s.get('own'), { groups: ['mine'], vhosts: ['own.example.com'], proto: 'tcp' });
  t.deepEqual(s.get('per-port')!.groups, ['port-level']);
  t.like(s.get('tls'), { proto: 'tcp', vhosts: ['tls.example.com'] });
  const mmsd = snapshot(apps, { dialect: 'mmsd', strictMode: false }).services;
  t.deepEqual([mmsd.get('per-port')!.groups, mmsd.get('tls')!.vhosts], [[], []]);
  const lb = snapshot(apps, { dialect: 'marathon-lb', strictMode: false }).services;
  t.like(lb.get('own'), { groups: ['theirs'], vhosts: ['theirs.example.com'], proto: 'http' });
});

test('template overrides are refused (the service is left out, the label and the alternative named); ENABLED and strict mode', (t) => {
  const apps = [
    app('/templated', { HAPROXY_0_VHOST: 'x.example.com', HAPROXY_0_BACKEND_SERVER_OPTIONS: '  server {serverName} {host_ipv4}:{port}{cookieOptions}{healthCheckOptions}{otherOptions}\n' }, 10904),
    app('/off', { HAPROXY_0_ENABLED: 'false' }, 10905),
    app('/on', { HAPROXY_0_ENABLED: 'true' }, 10906),
    app('/plain', {}, 10907),
  ];
  const normal = snapshot(apps);
  t.like(normal.excluded.get('templated'), { reason: 'invalid-label' });
  t.regex(normal.excluded.get('templated')!.detail, /^label HAPROXY_0_BACKEND_SERVER_OPTIONS: ".*"( \(\d+ characters\))? is marathon-lb config text \(a template override\), which mmsd does not paste into a config: use a template of your own \(option "template"\) or the typed labels/);
  t.like(normal.excluded.get('off'), { reason: 'disabled', detail: 'HAPROXY_0_ENABLED is false' });
  t.deepEqual([...normal.services.keys()].sort(), ['on', 'plain']);
  const strict = snapshot(apps, { dialect: 'both', strictMode: true });
  t.deepEqual([...strict.services.keys()], ['on']);
  t.like(strict.excluded.get('plain'), { reason: 'disabled', detail: 'strict mode: HAPROXY_0_ENABLED is not true' });
});

test('the gateway routes by vhost and path: the heaviest, then the longest path first, before vhost-only routes', (t) => {
  const view = buildView(
    snapshot([
      app('/site', { HAPROXY_0_VHOST: 'shop.example.com' }, 10910),
      app('/api', { HAPROXY_0_VHOST: 'shop.example.com', HAPROXY_0_PATH: '/api' }, 10911),
      app('/api-v2', { HAPROXY_0_VHOST: 'shop.example.com', HAPROXY_0_PATH: '/api/v2' }, 10912),
      app('/heavy', { HAPROXY_0_VHOST: 'shop.example.com', HAPROXY_0_PATH: '/a', HAPROXY_0_BACKEND_WEIGHT: '5' }, 10913),
      app('/dup', { HAPROXY_0_VHOST: 'shop.example.com', HAPROXY_0_PATH: '/api' }, 10914),
    ]),
    optionsDefaults(),
  );
  t.deepEqual(view.gateways.http!.pathRoutes.map((r) => `${r.backend} ${r.paths.join(',')}`), ['heavy /a', 'api-v2 /api/v2', 'api /api']);
  t.deepEqual(view.gateways.http!.exact, [{ backend: 'site', hosts: ['shop.example.com'] }]);
  t.true(view.warnings.some((w) => /shop\.example\.com\/api of dup is already served by api; ignored/.test(w)));
  t.true(haproxyCheck(render(view)).ok);
});

// Well-formed values of each typed label, and what an attacker would put there instead.
const VALID: Record<string, string> = {
  GROUP: 'external', ENABLED: 'true', VHOST: 'zz.example.com', PATH: '/zz', BACKEND_WEIGHT: '3', PORT: '10999', MODE: 'http', BIND_ADDR: '127.0.0.1',
  BALANCE: 'roundrobin', STICKY: 'true', REDIRECT_TO_HTTPS: 'true', USE_HSTS: 'true', AUTH: 'realm:user:$6$saltsalt$hashhashhash',
  BACKEND_NETWORK_ALLOWED_ACL: '10.0.0.0/8', SSL_CERT: '/etc/ssl/zz.pem',
};
const INJECTIONS = ['\n', '\nserver evil 6.6.6.6:80', '\r\n  bind :6666', '"', '#', '\\', '\u0000', '\u2028', '${HOME}', '%[src]', ' bind :6666', '{', '}'];
const LEAKS = /6\.6\.6\.6|evil|:6666|\$\{HOME\}|%\[src\]/;
const hostile = fc.record({
  label: fc.constantFrom(...MARATHON_LB_PORT_LABELS, 'FRONTEND_HEAD', 'BACKEND_HEAD', 'BIND_OPTIONS', 'HTTP_BACKEND_PROXYPASS_PATH'),
  injection: fc.constantFrom(...INJECTIONS),
  where: fc.constantFrom('end', 'start', 'alone'),
});

test('hostile values in each marathon-lb label: that service is left out, nothing leaks, every config passes haproxy -c, the other services are unchanged', async (t) => {
  const base = [app('/keep/web', { HAPROXY_0_VHOST: 'keep.example.com', HAPROXY_0_PATH: '/k', HAPROXY_0_STICKY: 'true' }, 10920, 2), app('/keep/db', { HAPROXY_0_MODE: 'tcp' }, 10921)];
  const options = optionsDefaults();
  // The sections of the other services (the gateway's gains the hostile one's vhost when it is well-formed).
  const baseline = [...configSections(render(buildView(snapshot(base), options)))].filter(([head]) => head.includes('keep'));
  t.true(baseline.length >= 3);
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(hostile, async ({ label, injection, where }) => {
      runs++;
      const valid = VALID[label] ?? 'x';
      const value = where === 'end' ? `${valid}${injection}x` : where === 'start' ? `${injection}${valid}` : injection;
      const labels: Record<string, string> = { HAPROXY_0_VHOST: 'zz.example.com', [`HAPROXY_0_${label}`]: value };
      const s = snapshot([...base, app('/zz/hostile', labels, 10999)]);
      // Accepted only if what the model took from it is clean (a value may be trimmed to a valid one).
      const service = s.services.get('zz.hostile');
      if (service) {
        const { groups, vhosts, paths, bindAddress, balance, auth, allowedSources, sslCert } = service;
        const taken = [groups, vhosts, paths, bindAddress, balance, auth?.realm, auth?.user, auth?.passwordHash, allowedSources, sslCert].flat().filter((v) => typeof v === 'string');
        const dirty = taken.find((v) => /[\u0000-\u001f\u007f\u2028"\\{}%#\s]|evil|\$\{/.test(v.replace(/^\$\d\$[^$]*\$/, '')));
        if (dirty !== undefined) throw new Error(`HAPROXY_0_${label}=${JSON.stringify(value)} was taken as ${JSON.stringify(dirty)}`);
      }
      const text = render(buildView(s, options));
      if (LEAKS.test(text)) throw new Error(`HAPROXY_0_${label}=${JSON.stringify(value)} reached the config`);
      const check = haproxyCheck(text);
      if (!check.ok) throw new Error(`HAPROXY_0_${label}=${JSON.stringify(value)}: haproxy -c failed: ${check.output}`);
      const now = configSections(text);
      for (const [head, block] of baseline) if (now.get(head) !== block) throw new Error(`section "${head}" changed with HAPROXY_0_${label}=${JSON.stringify(value)}`);
    }),
    { numRuns: 80, seed: Number(process.env.FC_SEED ?? Date.now() % 1_000_000) },
  );
  t.is(runs, 80);
});

test('TLS termination: tls.certs and HAPROXY_{n}_SSL_CERT load as crt; a certificate that cannot be used is left out with a warning, not the config', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'mmsd-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '2', '-subj', '/CN=a.example.com'], { stdio: 'ignore' });
  const pem = join(dir, 'a.pem');
  writeFileSync(pem, readFileSync(join(dir, 'c'), 'utf8') + readFileSync(join(dir, 'k'), 'utf8'));
  writeFileSync(join(dir, 'broken.pem'), 'not a certificate\n');
  const s = snapshot([
    app('/a', { HAPROXY_0_VHOST: 'a.example.com', HAPROXY_0_SSL_CERT: pem }, 10930),
    app('/b', { HAPROXY_0_VHOST: 'b.example.com', HAPROXY_0_SSL_CERT: join(dir, 'missing.pem') }, 10931),
    app('/c', { HAPROXY_0_VHOST: 'c.example.com', HAPROXY_0_SSL_CERT: join(dir, 'broken.pem') }, 10932),
  ]);
  const view = buildView(s, optionsDefaults());
  t.deepEqual(view.tls?.certs, [pem], 'only the usable certificate');
  t.deepEqual(view.tls?.exact, ['a.example.com', 'b.example.com', 'c.example.com'], 'every HTTP vhost is terminated (with the default certificate where it has none)');
  t.true(view.warnings.some((w) => /missing\.pem \(HAPROXY_0_SSL_CERT of b\) is not used: .* cannot be read \(ENOENT\)/.test(w)));
  t.true(view.warnings.some((w) => /broken\.pem \(HAPROXY_0_SSL_CERT of c\) is not used: .* is not a PEM file with a certificate and its private key/.test(w)));
  const text = render(view);
  t.regex(text, new RegExp(`bind unix@\\S+ accept-proxy ssl crt ${pem.replace(/[.]/g, '\\.')}\\n`));
  const check = haproxyCheck(text);
  t.true(check.ok, check.output);
  t.is(buildView(snapshot([app('/a', { HAPROXY_0_VHOST: 'a.example.com' }, 10930)]), optionsDefaults()).tls, undefined, 'no certificate: no termination');
});
