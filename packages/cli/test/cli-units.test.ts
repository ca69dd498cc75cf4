import test from 'ava';
import { withDefaultCommand } from '../src/default-command.js';
import { endpointsFromFlags, overridesFromFlags } from '../src/flags.js';

test('mmsd [options] is mmsd run [options]; commands, --help and --version stay', (t) => {
  t.deepEqual(withDefaultCommand([]), ['run']);
  t.deepEqual(withDefaultCommand(['--marathon-host=m', '--marathon-port=8080']), ['run', '--marathon-host=m', '--marathon-port=8080']);
  t.deepEqual(withDefaultCommand(['dump', '--json']), ['dump', '--json']);
  t.deepEqual(withDefaultCommand(['--help']), ['--help']);
  t.deepEqual(withDefaultCommand(['--version']), ['--version']);
  t.deepEqual(withDefaultCommand(['plugins:install', 'x']), ['plugins:install', 'x']);
});

test('endpoints: --marathon wins; host and port build a URL; defaults for the missing half', (t) => {
  t.deepEqual(endpointsFromFlags({ marathon: 'http://a:1, http://b:2', 'marathon-host': 'x' }), ['http://a:1', 'http://b:2']);
  t.deepEqual(endpointsFromFlags({ 'marathon-host': 'm1', 'marathon-port': 8081 }), ['http://m1:8081']);
  t.deepEqual(endpointsFromFlags({ 'marathon-host': 'm1' }), ['http://m1:8080']);
  t.deepEqual(endpointsFromFlags({ 'marathon-port': 9090 }), ['http://localhost:9090']);
  t.is(endpointsFromFlags({}), undefined);
  t.is(endpointsFromFlags({ marathon: '  ' }), undefined, 'an empty MARATHON variable is no value');
});

test('overrides from flags: groups split, relative paths made absolute, haproxy enabled by any haproxy flag', (t) => {
  t.deepEqual(overridesFromFlags({ groups: 'a, b*', 'upstream-confd': 'confd', 'haproxy-bin': '/usr/sbin/haproxy' }, '/work'), {
    groups: ['a', 'b*'],
    upstreamConfd: '/work/confd',
    haproxy: { bin: '/usr/sbin/haproxy' },
  });
  t.deepEqual(overridesFromFlags({ 'haproxy-pidfile': '/run/h.pid', 'log-level': 'debug' }, '/w'), {
    logLevel: 'debug',
    haproxy: { pidFile: '/run/h.pid' },
  });
});
