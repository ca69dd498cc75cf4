import test from 'ava';
import fc from 'fast-check';
import { AppsAnswerError, AppsSplitter } from '../src/marathon/apps-splitter.js';

const encoder = new TextEncoder();

/** Splits `text` at the given byte offsets and feeds the pieces to a splitter. */
function split(text: string, cuts: readonly number[] = []): unknown[] {
  const bytes = encoder.encode(text);
  const apps: unknown[] = [];
  const splitter = new AppsSplitter((app) => apps.push(app));
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b)) {
    splitter.push(bytes.subarray(from, cut));
    from = cut;
  }
  splitter.push(bytes.subarray(from));
  splitter.end();
  return apps;
}

// Ids and values with what a scan for brackets can trip over: quotes, backslashes, brackets,
// escapes, multi-byte characters.
const tricky = fc.string({ unit: fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', 'a', 'é', '😀', '\n', ' ', '/') });
const app = fc.record({
  id: tricky,
  labels: fc.dictionary(tricky, tricky),
  tasks: fc.array(fc.record({ id: tricky, host: tricky, ports: fc.array(fc.integer()) }), { maxLength: 3 }),
  extra: fc.jsonValue(),
});

test('every app comes out as JSON.parse reads it, wherever the chunks are cut', (t) => {
  fc.assert(
    fc.property(fc.array(app, { maxLength: 6 }), fc.array(fc.nat(4000)), fc.boolean(), fc.jsonValue(), (apps, cuts, pretty, other) => {
      const text = JSON.stringify({ version: other, apps, after: { apps: [1, 2] } }, null, pretty ? 2 : undefined);
      t.deepEqual(split(text, cuts), JSON.parse(text).apps);
    }),
    { numRuns: 300 },
  );
});

test('a byte at a time', (t) => {
  const text = JSON.stringify({ apps: [{ id: '/a"\\}', tasks: [] }, { id: '/b', labels: { x: '{[' } }] });
  t.deepEqual(split(text, [...Array(text.length).keys()]), JSON.parse(text).apps);
});

for (const [what, body, message] of [
  ['an HTML page', '<html>502</html>', /not JSON/],
  ['a truncated answer', '{"apps":[{"id":"/a"},{"id":"/b", "tasks": [', /not JSON .*truncated/],
  ['a truncated string', '{"apps":[{"id":"/a', /truncated/],
  ['no apps list', '{"message":"apps"}', /no "apps" list/],
  ['apps that are not a list', '{"apps":{"id":"/a"}}', /no "apps" list/],
  ['an app that is not an object', '{"apps":[{"id":"/a"},"b"]}', /not an object/],
  ['null for an app', '{"apps":[null]}', /not an object/],
  ['an app without an id', '{"apps":[{"name":"a"}]}', /without an id/],
  ['an app with a number for an id', '{"apps":[{"id":1}]}', /without an id/],
  ['an app that is not JSON', '{"apps":[{"id":"/a",}]}', /app number 1 .*not valid JSON/],
  ['bytes after the object', '{"apps":[]} {}', /goes on after/],
  ['more closing brackets than open', '{"apps":[]]}', /not JSON/],
] as const) {
  test(`refused: ${what}`, (t) => {
    const error = t.throws(() => split(body), { instanceOf: AppsAnswerError });
    t.regex(error!.message, message);
  });
}

test('an empty list is an answer: no apps', (t) => {
  t.deepEqual(split('{ "apps" : [ ] }\n'), []);
});
