import test from 'ava';
import { fdBudget } from '../src/fd-budget.js';
import { runtimeCommands, stateCommands, staticServersChanged } from '../src/runtime.js';
import type { Applied } from '../src/runtime.js';
import { carriedChecks, stateFileFor } from '../src/server-states.js';
import type { ServerRuntimeState } from '../src/socket.js';
import type { HaproxyView, ServiceView } from '../src/view.js';

const server = (name: string, state: 'ready' | 'drain' | 'maint', port = 31000) =>
  ({ name, taskId: name, host: '10.0.0.1', address: '10.0.0.1', port, state, options: 'check', line: '' }) as ServiceView['servers'][number];
const service = (name: string, servers: ServiceView['servers']) => ({ name, servers }) as ServiceView;
const view = (services: ServiceView[]) => ({ services }) as HaproxyView;

test('a server added at run time is forced DOWN on its way out of maintenance: only its check brings it up', (t) => {
  const applied: Applied = new Map();
  t.deepEqual(runtimeCommands(service('web', [server('t1', 'ready')]), applied, true), [
    'add server web/t1 10.0.0.1:31000 check',
    'enable health web/t1',
    'set server web/t1 state drain',
    'set server web/t1 health down',
    'set server web/t1 state ready',
  ]);
  // Added in maintenance (Marathon has no health result yet), ready later: still never checked.
  t.deepEqual(runtimeCommands(service('web', [server('t1', 'ready'), server('t2', 'maint')]), applied, true), [
    'add server web/t2 10.0.0.1:31000 check',
    'enable health web/t2',
  ]);
  t.deepEqual(runtimeCommands(service('web', [server('t1', 'ready'), server('t2', 'ready')]), applied, true), [
    'set server web/t2 state drain',
    'set server web/t2 health down',
    'set server web/t2 state ready',
  ]);
  // Back from a maintenance of mmsd's (a Marathon health flip): HAProxy checks it at once.
  runtimeCommands(service('web', [server('t1', 'ready'), server('t2', 'maint')]), applied, true);
  t.deepEqual(runtimeCommands(service('web', [server('t1', 'ready'), server('t2', 'ready')]), applied, true), ['set server web/t2 state ready']);
  // At a new address it is a new endpoint.
  t.deepEqual(runtimeCommands(service('web', [server('t1', 'ready', 31005), server('t2', 'ready')]), applied, true), [
    'set server web/t1 addr 10.0.0.1 port 31005',
    'set server web/t1 state drain',
    'set server web/t1 health down',
    'set server web/t1 state ready',
  ]);
  t.deepEqual(runtimeCommands(service('web', [server('t2', 'drain')]), applied, true), [
    'set server web/t2 state drain',
    'set server web/t1 state maint',
    'del server web/t1',
  ]);
});

test('without HAProxy checks nothing would bring a server up: it is made ready directly', (t) => {
  t.deepEqual(runtimeCommands(service('web', [server('t1', 'ready')]), new Map(), false), [
    'add server web/t1 10.0.0.1:31000 check',
    'set server web/t1 state ready',
  ]);
  t.deepEqual(stateCommands('web/t1', 'maint', 'ready', false, true), ['set server web/t1 state ready']);
  t.deepEqual(stateCommands('web/t1', 'ready', 'ready', true, true), []);
});

test('the state file: saved states kept, every checked ready server they lack starts DOWN', (t) => {
  const v = view([service('web', [server('old', 'ready'), server('new', 'ready'), server('off', 'maint')])]);
  const saved = '1\n# be_id be_name srv_id srv_name …\n3 web 1 old 10.0.0.1 2 0 1 1 5 6 3 4 6 0 0 0 - 31000 - 0 0 - - 0\n';
  const text = stateFileFor(v, saved, true);
  t.true(text.startsWith(saved));
  t.deepEqual(text.slice(saved.length).trim().split('\n'), ['0 web 0 new 10.0.0.1 0 0 1 1 0 1 0 0 6 0 0 0 - 31000 - 0 0 - - 0']);
  const fresh = stateFileFor(v, undefined, true).split('\n').filter((l) => /^0 /.test(l));
  t.deepEqual(fresh.map((l) => l.split(' ')[3]), ['old', 'new']);
  t.is(stateFileFor(v, undefined, false).split('\n').filter((l) => /^0 /.test(l)).length, 0);
  // The running worker's states could not be read: its servers keep HAProxy's default.
  t.deepEqual(
    stateFileFor(v, undefined, true, ['web/old']).split('\n').filter((l) => /^0 /.test(l)).map((l) => l.split(' ')[3]),
    ['new'],
  );
});

test('what the replaced worker found after the save is carried over; nothing else is', (t) => {
  const v = view([service('web', [server('came', 'ready'), server('went', 'ready'), server('same', 'ready'), server('moved', 'ready'), server('off', 'maint')])]);
  const state = (name: string, operational: 'up' | 'down', extra: Partial<ServerRuntimeState> = {}): ServerRuntimeState => ({
    backend: 'web', server: name, address: '10.0.0.1', port: 31000, admin: 'ready', operational, ...extra,
  });
  const last = [state('came', 'up'), state('went', 'down'), state('same', 'up'), state('moved', 'up', { port: 31001 }), state('off', 'up'), state('gone', 'up')];
  const actual = [state('came', 'down'), state('went', 'up'), state('same', 'up'), state('moved', 'down'), state('off', 'down', { admin: 'maint' })];
  t.deepEqual(carriedChecks(v, last, actual), ['set server web/came health up', 'set server web/went health down']);
  // A server the view keeps out, or one in maintenance in either worker, is left to alignStates.
  t.deepEqual(carriedChecks(view([service('web', [server('came', 'maint')])]), last, actual), []);
  t.deepEqual(carriedChecks(v, [state('came', 'up', { admin: 'drain' })], actual), []);
});

test('file descriptors: maxconn is kept when the limit allows it, fitted when not, an error when nothing fits', (t) => {
  t.deepEqual(fdBudget(4096, 10, 30, 100_000), { maxconn: 4096, needed: 8296, limit: 100_000 });
  t.deepEqual(fdBudget(4096, 10, 30, undefined), { maxconn: 4096, needed: 8296 });
  const fitted = fdBudget(4096, 1001, 3000, 10_000);
  t.is(fitted.needed, 12_257);
  t.is(fitted.maxconn, 2967);
  t.true(2 * fitted.maxconn + 1001 + 3000 + 64 <= 10_000);
  t.is(fitted.refusal, undefined);
  t.regex(fitted.warning!, /^HAProxy needs 12257 file descriptors \(maxconn 4096 × 2, 1001 listeners, 3000 checked servers\), more than the open-files limit of 10000: maxconn lowered to 2967; raise it/);
  // 5,000 apps × 3 tasks under 20,000: the listeners and checks alone need more.
  const none = fdBudget(4096, 5001, 15_000, 20_000);
  t.is(none.needed, 28_257);
  t.regex(none.refusal!, /HAProxy cannot start; raise the limit .* or turn HAProxy's checks off \(checks: false\)$/);
});

test('staticServersChanged: only a static-rr service whose servers differ from what HAProxy has', (t) => {
  const applied: Applied = new Map([['static', new Map([['a', { address: '10.0.0.1', port: 1, state: 'ready' as const, fresh: false }]])]]);
  const of = (balance: string, ...names: string[]) => ({ name: 'static', balance, servers: names.map((name) => ({ name, state: 'maint' })) }) as unknown as ServiceView;
  t.false(staticServersChanged(of('static-rr', 'a'), applied), 'the same servers, another state');
  t.true(staticServersChanged(of('static-rr', 'a', 'b'), applied));
  t.true(staticServersChanged(of('static-rr'), applied));
  t.false(staticServersChanged(of('roundrobin', 'a', 'b'), applied), 'a dynamic balance');
});
