import test from 'ava';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeIfChanged } from '../src/util/files.js';
import { tempDir } from '../../../test/helpers/tmp.js';

test('content in pieces (more than one writev takes) is written in order, and compared as a whole', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'sub', 'haproxy.cfg');
  const pieces = Array.from({ length: 2500 }, (_, i) => Buffer.from(`line ${i} é\n`));
  const text = pieces.map((p) => p.toString()).join('');
  t.is(await writeIfChanged(path, pieces), 'created');
  t.is(await readFile(path, 'utf8'), text);
  const { mtimeMs } = await stat(path);
  t.is(await writeIfChanged(path, pieces), 'unchanged');
  t.is(await writeIfChanged(path, text), 'unchanged', 'the same bytes as text');
  t.is((await stat(path)).mtimeMs, mtimeMs);
  t.is(await writeIfChanged(path, [...pieces.slice(0, -1), Buffer.from('last\n')]), 'updated');
  t.true((await readFile(path, 'utf8')).endsWith('line 2498 é\nlast\n'));
  t.deepEqual(await readdir(join(dir, 'sub')), ['haproxy.cfg'], 'no temp file is left');
});
