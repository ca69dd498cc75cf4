import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createStaticResolver, StateStore } from '@mmsd/core/testing';
import type { MarathonApp } from '@mmsd/core';
import { renderUpstreamFiles } from '../src/index.js';
import { fixture } from '../../../test/helpers/paths.js';

const GOLDEN = new URL('./golden/', import.meta.url).pathname;
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const CASES: { name: string; fixture: string; groups: string[] }[] = [
  { name: 'marathon-1.10', fixture: 'apps-embed-tasks.json', groups: ['*'] },
  { name: 'marathon-1.10-production', fixture: 'apps-embed-tasks.json', groups: ['production'] },
  { name: 'marathon-1.4', fixture: 'apps-embed-tasks.v1.4.json', groups: ['*'] },
  { name: 'marathon-1.5-marathon-lb', fixture: 'upstream/marathon-lb/marathon15_apps.json', groups: ['*'] },
];

for (const c of CASES) {
  test(`golden: ${c.fixture} with groups ${c.groups.join(',')} → exactly the files in test/golden/${c.name}`, async (t) => {
    const apps = (JSON.parse(await readFile(fixture(c.fixture), 'utf8')) as { apps: MarathonApp[] }).apps;
    const store = new StateStore({ groups: c.groups, resolver: createStaticResolver({}) });
    store.replaceAll(apps);
    const artifacts = renderUpstreamFiles(store.publish()!.snapshot, '/confd');
    const dir = join(GOLDEN, c.name);
    if (UPDATE) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      for (const a of artifacts) await writeFile(join(dir, a.path.replace('/confd/', '')), a.content);
    }
    t.true(existsSync(dir), `${dir} is missing (UPDATE_GOLDEN=1 writes it)`);
    const expected = (await readdir(dir)).sort();
    t.deepEqual(artifacts.map((a) => a.path.replace('/confd/', '')), expected);
    for (const a of artifacts) t.is(a.content, await readFile(join(dir, a.path.replace('/confd/', '')), 'utf8'), a.path);
  });
}
