import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describeError } from '@mmsd/core/host';
import type { Logger } from '@mmsd/core';

/** The parts of `<data dir>/package.json` (oclif's install manifest) an install changes. */
interface Manifest {
  dependencies?: Record<string, string>;
  oclif?: { plugins?: unknown[] } & Record<string, unknown>;
  [key: string]: unknown;
}

export interface InstallRecord {
  readonly dataDir: string;
  readonly manifest: Manifest | undefined;
}

async function readManifest(dataDir: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, 'package.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** What the data directory holds before `plugins:install` runs. */
export async function recordInstallState(dataDir: string): Promise<InstallRecord> {
  return { dataDir, manifest: await readManifest(dataDir) };
}

/** Packages the install added to the data directory since `before` was recorded. */
export async function addedPackages(before: InstallRecord): Promise<string[]> {
  const after = await readManifest(before.dataDir);
  const had = before.manifest?.dependencies ?? {};
  return Object.keys(after?.dependencies ?? {}).filter((name) => !(name in had));
}

/** The npm that @oclif/plugin-plugins installs with (its pinned copy), else the one on PATH. */
function npmCommand(): [string, string[]] {
  try {
    const fromPluginPlugins = createRequire(createRequire(import.meta.url).resolve('@oclif/plugin-plugins'));
    const pjsonPath = fromPluginPlugins.resolve('npm/package.json');
    const pjson = JSON.parse(readFileSync(pjsonPath, 'utf8')) as { bin: { npm: string } };
    return [process.execPath, [join(dirname(pjsonPath), pjson.bin.npm)]];
  } catch {
    return ['npm', []];
  }
}

function npmUninstall(dataDir: string, names: readonly string[]): Promise<void> {
  const [command, prefix] = npmCommand();
  const args = [...prefix, 'uninstall', ...names, '--no-audit', '--no-fund', '--loglevel=error'];
  return new Promise((resolve, reject) =>
    execFile(command, args, { cwd: dataDir, timeout: 120_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`npm uninstall ${names.join(' ')} failed: ${stderr.trim() || describeError(error)}`)) : resolve(),
    ),
  );
}

/**
 * Undoes a refused install: the packages it added are uninstalled (with npm, so their own
 * dependencies go too; removed by hand if npm fails) and oclif's plugin list is restored, so
 * nothing of it is loadable afterwards. Returns the names removed.
 */
export async function rollBackInstall(before: InstallRecord, log: Logger): Promise<string[]> {
  const added = await addedPackages(before);
  const { dataDir } = before;
  if (added.length > 0) {
    try {
      await npmUninstall(dataDir, added);
    } catch (error) {
      log.warn('%s; removing %s by hand', describeError(error), added.join(', '));
    }
  }
  const manifest = await readManifest(dataDir);
  if (manifest) {
    for (const name of added) delete manifest.dependencies?.[name];
    const plugins = before.manifest?.oclif?.plugins;
    if (manifest.oclif) manifest.oclif.plugins = plugins ? [...plugins] : [];
    await writeFile(join(dataDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  for (const name of added) {
    const root = join(dataDir, 'node_modules', ...name.split('/'));
    if (existsSync(root)) await rm(root, { recursive: true, force: true });
  }
  return added;
}
