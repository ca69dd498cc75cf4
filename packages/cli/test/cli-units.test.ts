import test from 'ava';
import { withDefaultCommand } from '../src/default-command.js';
import { endpointsFromFlags, overridesFromFlags, sharedInput } from '../src/flags.js';
import type { SharedFlagValues } from '../src/flags.js';

/** Values as oclif merges them, and which of them were on the command line (the rest: variables). */
const input = (flags: SharedFlagValues, given: (keyof SharedFlagValues)[] = Object.keys(flags) as (keyof SharedFlagValues)[]) => ({
  flags,
  given: new Set<string>(given),
});

test('mmsd [options] is mmsd run [options]; commands, --help and --version stay', (t) => {
  t.deepEqual(withDefaultCommand([]), ['run']);
  t.deepEqual(withDefaultCommand(['--marathon-host=m', '--marathon-port=8080']), ['run', '--marathon-host=m', '--marathon-port=8080']);
  t.deepEqual(withDefaultCommand(['dump', '--json']), ['dump', '--json']);
  t.deepEqual(withDefaultCommand(['--help']), ['--help']);
  t.deepEqual(withDefaultCommand(['--version']), ['--version']);
  t.deepEqual(withDefaultCommand(['-h']), ['-h']);
  t.deepEqual(withDefaultCommand(['-v']), ['-v']);
  t.deepEqual(withDefaultCommand(['--config=x', '-h']), ['run', '--config=x', '-h'], 'help of run');
  t.deepEqual(withDefaultCommand(['plugins:install', 'x']), ['plugins:install', 'x']);
});

test('endpoints: --marathon wins; host and port build a URL; defaults for the missing half', (t) => {
  t.deepEqual(endpointsFromFlags(input({ marathon: 'http://a:1, http://b:2', 'marathon-host': 'x' })), ['http://a:1', 'http://b:2']);
  t.deepEqual(endpointsFromFlags(input({ 'marathon-host': 'm1', 'marathon-port': 8081 })), ['http://m1:8081']);
  t.deepEqual(endpointsFromFlags(input({ 'marathon-host': 'm1' })), ['http://m1:8080']);
  t.deepEqual(endpointsFromFlags(input({ 'marathon-port': 9090 })), ['http://localhost:9090']);
  t.is(endpointsFromFlags(input({})), undefined);
  t.is(endpointsFromFlags(input({ marathon: '  ' })), undefined, 'an empty MARATHON variable is no value');
});

test('endpoints: flag > environment, MARATHON included; among variables MARATHON wins', (t) => {
  const fromEnv = { marathon: 'http://env:1' };
  t.deepEqual(endpointsFromFlags(input({ ...fromEnv, 'marathon-host': 'flag' }, ['marathon-host'])), ['http://flag:8080']);
  t.deepEqual(endpointsFromFlags(input({ ...fromEnv, 'marathon-port': 9 }, ['marathon-port'])), ['http://localhost:9']);
  t.deepEqual(endpointsFromFlags(input({ ...fromEnv, 'marathon-host': 'envhost', 'marathon-port': 9 }, ['marathon-port'])), ['http://envhost:9'], 'the other half from its variable');
  t.deepEqual(endpointsFromFlags(input({ ...fromEnv, 'marathon-host': 'envhost' }, [])), ['http://env:1']);
  t.deepEqual(endpointsFromFlags(input({ marathon: 'http://flag:1', 'marathon-host': 'envhost' }, ['marathon'])), ['http://flag:1']);
});

test('sharedInput: only flags from the command line count as given', (t) => {
  const raw = [
    { type: 'flag', flag: 'marathon-host', input: '--marathon-host=m' },
    { type: 'arg', arg: 'x', input: 'x' },
  ];
  t.deepEqual([...sharedInput({ 'marathon-host': 'm', marathon: 'http://env:1' }, raw).given], ['marathon-host']);
});

test('overrides from flags: groups split, relative paths made absolute, haproxy enabled by any haproxy flag', (t) => {
  t.deepEqual(overridesFromFlags(input({ groups: 'a, b*', 'upstream-confd': 'confd', 'haproxy-bin': '/usr/sbin/haproxy' }), '/work'), {
    groups: ['a', 'b*'],
    plugins: [
      ['@mmsd/plugin-upstream-confd', { dir: '/work/confd' }],
      ['@mmsd/plugin-haproxy', { bin: '/usr/sbin/haproxy' }],
    ],
  });
  t.deepEqual(overridesFromFlags(input({ 'haproxy-pidfile': '/run/h.pid', 'log-level': 'debug' }), '/w'), {
    logLevel: 'debug',
    plugins: [['@mmsd/plugin-haproxy', { pidFile: '/run/h.pid' }]],
  });
});
