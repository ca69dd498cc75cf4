#!/usr/bin/env node
// Lists import cycles among the source files of every package (packages/*/src, plugins/*/src),
// type-only imports included (they tie modules together for a reader as much as any other).
// Exits 1 when there is one. Used by test/house.test.ts; run it alone with `node scripts/import-cycles.mjs`.
// (A few lines on the TypeScript compiler the project has anyway, rather than a dependency.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The relative imports of a file, resolved to source files (`./x.js` is `./x.ts`). */
function importsOf(file) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')));
}

export function importCycles() {
  const files = ['packages', 'plugins'].flatMap((group) =>
    readdirSync(join(root, group)).flatMap((pkg) => {
      const src = join(root, group, pkg, 'src');
      try {
        return sources(src);
      } catch {
        return [];
      }
    }),
  );
  const graph = new Map(files.map((file) => [file, importsOf(file).filter((to) => files.includes(to))]));
  const cycles = [];
  const state = new Map(); // 1: on the path, 2: done
  const path = [];
  const visit = (file) => {
    state.set(file, 1);
    path.push(file);
    for (const to of graph.get(file)) {
      if (state.get(to) === 1) cycles.push([...path.slice(path.indexOf(to)), to].map((f) => relative(root, f)));
      else if (!state.has(to)) visit(to);
    }
    path.pop();
    state.set(file, 2);
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cycles = importCycles();
  for (const cycle of cycles) console.log(cycle.join(' → '));
  console.log(cycles.length === 0 ? 'no import cycle' : `${cycles.length} import cycles`);
  process.exit(cycles.length === 0 ? 0 : 1);
}
