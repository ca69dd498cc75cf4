import test from 'ava';
import { isVirtualHost, parseLabels } from '../src/model/labels.js';
import { taskHealth } from '../src/model/health.js';
import { createGroupMatcher } from '../src/model/groups.js';

test('vhosts: host names and *. wildcards, lower-cased, ports and spaces refused', (t) => {
  t.true(isVirtualHost('www.example.org'));
  t.true(isVirtualHost('*.example.org'));
  t.true(isVirtualHost('localhost'));
  t.false(isVirtualHost('a b.example.org'));
  t.false(isVirtualHost('example.org:80'));
  t.false(isVirtualHost('*example.org'));
  t.false(isVirtualHost('ex*mple.org'));
  t.false(isVirtualHost('-bad.example.org'));
  t.false(isVirtualHost(`${'a'.repeat(64)}.org`));
  t.deepEqual(parseLabels({ 'lb-vhost': ' WWW.Example.org , *.example.org ,' }).vhosts, ['www.example.org', '*.example.org']);
});

test('proxy protocol: 1 and 2 are versions, 0 and empty are off, anything else is malformed', (t) => {
  t.is(parseLabels({ 'lb-proxy-protocol': '1' }).proxyProtocol, 1);
  t.is(parseLabels({ 'lb-proxy-protocol': '2' }).proxyProtocol, 2);
  t.is(parseLabels({ 'lb-proxy-protocol': '0' }).proxyProtocol, 0);
  t.deepEqual(parseLabels({ 'lb-proxy-protocol': '' }).problems, []);
  const bad = parseLabels({ 'lb-proxy-protocol': '3' });
  t.is(bad.proxyProtocol, 0);
  t.regex(bad.problems[0]!, /lb-proxy-protocol: "3" is not a PROXY protocol version/);
});

test('control characters in any interpreted label are malformed; other labels are not checked', (t) => {
  for (const label of ['proto', 'lb-group', 'lb-vhost', 'lb-vhost-default', 'lb-proxy-protocol']) {
    t.is(parseLabels({ [label]: 'x\ny' }).problems.length, 1, label);
  }
  t.true(parseLabels({ 'lb-group': 'a\nb' }).groupProblem);
  t.deepEqual(parseLabels({ owner: 'any\nthing' }).problems, []);
});

test('proto is lower-cased; names with spaces or quotes are malformed', (t) => {
  t.is(parseLabels({ proto: 'HTTP' }).proto, 'http');
  t.is(parseLabels({ proto: 'redis-master' }).proto, 'redis-master');
  t.is(parseLabels({ proto: 'http"; evil' }).proto, undefined);
  t.is(parseLabels({ proto: 'http"; evil' }).problems.length, 1);
});

test('lb-vhost-default accepts 1/true and 0/false', (t) => {
  t.true(parseLabels({ 'lb-vhost-default': '1' }).vhostDefault);
  t.true(parseLabels({ 'lb-vhost-default': 'true' }).vhostDefault);
  t.false(parseLabels({ 'lb-vhost-default': '0' }).vhostDefault);
  t.is(parseLabels({ 'lb-vhost-default': 'yes' }).problems.length, 1);
});

test('long values are shown shortened in the reason', (t) => {
  const [problem] = parseLabels({ 'lb-vhost': 'x'.repeat(5000) }).problems;
  t.true(problem!.length < 200);
  t.regex(problem!, /5000 characters/);
});

test('health: the rules of docs/labels.md', (t) => {
  t.is(taskHealth('TASK_RUNNING', true, 0, []), 'up');
  t.is(taskHealth('TASK_RUNNING', false, 0, []), 'unknown', 'not started yet');
  t.is(taskHealth('TASK_RUNNING', true, 1, []), 'unknown', 'no result yet');
  t.is(taskHealth('TASK_RUNNING', true, 1, [true]), 'up');
  t.is(taskHealth('TASK_RUNNING', true, 2, [true]), 'unknown', 'a result for each check is needed');
  t.is(taskHealth('TASK_RUNNING', true, 2, [true, false]), 'down');
  t.is(taskHealth('TASK_RUNNING', true, 1, [false]), 'down');
  t.is(taskHealth('TASK_KILLING', true, 1, [true]), 'draining');
  t.is(taskHealth('TASK_STAGING', false, 0, []), 'unknown');
  t.is(taskHealth('TASK_STARTING', false, 0, []), 'unknown');
  t.is(taskHealth('TASK_UNREACHABLE', true, 0, []), 'down');
  t.is(taskHealth('TASK_LOST', true, 0, []), 'down');
});

test('group matcher', (t) => {
  t.true(createGroupMatcher(['*'])([]));
  t.true(createGroupMatcher([])([]), 'no globs means everything');
  t.false(createGroupMatcher(['prod'])([]));
  t.true(createGroupMatcher(['staging*'])(['staging2']));
  t.false(createGroupMatcher(['staging*'])(['production']));
  t.true(createGroupMatcher(['a', 'b'])(['c', 'b']));
});

test('--log-level maps onto debug namespaces', async (t) => {
  const { namespacesForLevel } = await import('../src/log.js');
  t.is(namespacesForLevel('debug'), 'mmsd:*');
  t.is(namespacesForLevel('info'), 'mmsd:*:info,mmsd:*:warn,mmsd:*:error,mmsd:*:fatal');
  t.is(namespacesForLevel('error'), 'mmsd:*:error,mmsd:*:fatal');
});
