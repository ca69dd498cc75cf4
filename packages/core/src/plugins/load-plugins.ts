import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { moduleResolve } from 'import-meta-resolve';
import { satisfies, validRange } from 'semver';
import { MmsdError, describeError } from '../errors.js';
import { createAjv, describeSchemaErrors } from '../util/schema.js';
import type { MmsdPlugin } from './api.js';

/** The version of the plugin host (this package), which a plugin's `mmsd` range must admit. */
export const HOST_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export interface LoadPluginsOptions {
  entries: readonly unknown[];
  /** Directories plugin names resolve from, in order: the config file's, `plugins:install`'s, mmsd's own. */
  searchDirs: readonly string[];
  /** Directory relative plugin paths resolve against (the config file's). */
  baseDir: string;
  /** For messages: where the entries came from. */
  configFile?: string;
  /**
   * Packages known by name with their root directory (`mmsd plugins:link` registers plugins
   * by path, outside any node_modules). Consulted after the first search directory.
   */
  packageRoots?: Readonly<Record<string, string>>;
}

export interface LoadedPlugin {
  readonly plugin: MmsdPlugin;
  readonly options: Record<string, unknown>;
  /** The name as written in the config. */
  readonly request: string;
  /** The file it was loaded from. */
  readonly file: string;
}

function where(configFile: string | undefined): string {
  return configFile ? ` (in ${configFile})` : '';
}

function normalizeEntry(entry: unknown, index: number, configFile?: string): [string, Record<string, unknown>] {
  if (typeof entry === 'string' && entry.trim()) return [entry.trim(), {}];
  if (
    Array.isArray(entry) &&
    entry.length >= 1 &&
    entry.length <= 2 &&
    typeof entry[0] === 'string' &&
    entry[0].trim() &&
    (entry.length === 1 || (typeof entry[1] === 'object' && entry[1] !== null && !Array.isArray(entry[1])))
  ) {
    return [entry[0].trim(), { ...((entry[1] as Record<string, unknown> | undefined) ?? {}) }];
  }
  throw new MmsdError('EMMSD_PLUGIN_ENTRY_INVALID', `plugins[${index}] is ${JSON.stringify(entry)}${where(configFile)}`, {
    hint: 'write a plugin as "name" or ["name", { option: value }]',
  });
}

/** Names to try for a config entry: `haproxy` → @mmsd/plugin-haproxy, mmsd-plugin-haproxy, haproxy. */
export function candidateNames(request: string): string[] {
  if (request.startsWith('@') || request.startsWith('mmsd-plugin-')) return [request];
  return [`@mmsd/plugin-${request}`, `mmsd-plugin-${request}`, request];
}

function isPath(request: string): boolean {
  return request.startsWith('.') || isAbsolute(request) || request.startsWith('file:');
}

/** The resolution conditions this process runs with (e.g. `--conditions=@mmsd/source` in tests). */
function activeConditions(): Set<string> {
  const conditions = new Set(['node', 'import']);
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  args.forEach((arg, i) => {
    const m = /^(?:--conditions|-C)=(.+)$/.exec(arg);
    if (m) conditions.add(m[1]!);
    else if ((arg === '--conditions' || arg === '-C') && args[i + 1]) conditions.add(args[i + 1]!);
  });
  return conditions;
}

/** The entry file of a package directory: its `exports` (self-reference), else `main`, else index.js. */
function packageEntry(root: string, name: string, conditions: Set<string>): string {
  const base = pathToFileURL(join(root, 'package.json'));
  try {
    return fileURLToPath(moduleResolve(name, base, conditions));
  } catch {
    let main = 'index.js';
    try {
      main = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main?: string }).main ?? main;
    } catch {
      // no package.json: index.js
    }
    return join(root, main);
  }
}

function readPackageJson(root: string): { name?: unknown; main?: unknown; exports?: unknown } {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: unknown; main?: unknown; exports?: unknown };
}

/**
 * A plugin named by a path: a module file, or a package directory (its `exports`, else `main`,
 * else index.js). Relative paths are relative to the config file's directory
 * (docs/configuration.md#plugins). What is missing is said precisely.
 */
function resolvePluginPath(request: string, options: LoadPluginsOptions): string {
  const target = request.startsWith('file:') ? fileURLToPath(request) : resolvePath(options.baseDir, request);
  const relativeRequest = !isAbsolute(request) && !request.startsWith('file:');
  const base = options.configFile ? `the config file's directory ${options.baseDir}` : `the working directory ${options.baseDir} (there is no config file)`;
  const fail = (code: 'EMMSD_PLUGIN_NOT_FOUND' | 'EMMSD_PLUGIN_LOAD_FAILED', what: string, hint: string, cause?: unknown) =>
    new MmsdError(code, `plugin "${request}"${where(options.configFile)}: ${what}`, {
      hint,
      details: { plugin: request, path: target },
      ...(cause === undefined ? {} : { cause }),
    });
  if (!existsSync(target)) {
    const sibling = ['.js', '.mjs', '.cjs'].map((ext) => target + ext).find((file) => existsSync(file));
    throw fail(
      'EMMSD_PLUGIN_NOT_FOUND',
      `${target} does not exist`,
      sibling
        ? `name the file with its extension: "${request}${sibling.slice(target.length)}"`
        : `${relativeRequest ? `a relative plugin path is resolved from ${base}; ` : ''}fix the path, or install the plugin (mmsd plugins:install) and name its package`,
    );
  }
  if (!statSync(target).isDirectory()) return target;
  if (!existsSync(join(target, 'package.json'))) {
    throw fail(
      'EMMSD_PLUGIN_NOT_FOUND',
      `${target} is a directory without a package.json, so there is nothing to load`,
      `name the plugin's module file (e.g. "${request.replace(/\/+$/, '')}/index.js"), or give the directory a package.json whose "main" or "exports" names it`,
    );
  }
  let pkg: ReturnType<typeof readPackageJson>;
  try {
    pkg = readPackageJson(target);
  } catch (error) {
    throw fail('EMMSD_PLUGIN_LOAD_FAILED', `${join(target, 'package.json')} cannot be read: ${describeError(error)}`, 'fix the JSON of its package.json', error);
  }
  let entry = join(target, typeof pkg.main === 'string' ? pkg.main : 'index.js');
  if (pkg.exports !== undefined && typeof pkg.name === 'string') {
    // Self-reference: resolves through the package's own "exports", never another installed copy.
    try {
      entry = fileURLToPath(moduleResolve(pkg.name, pathToFileURL(join(target, 'package.json')), activeConditions()));
    } catch (error) {
      throw fail('EMMSD_PLUGIN_LOAD_FAILED', `the "exports" of ${join(target, 'package.json')} give no entry: ${describeError(error)}`, 'export the plugin module as "." in its package.json', error);
    }
  }
  if (relative(target, entry).startsWith('..')) {
    throw fail('EMMSD_PLUGIN_LOAD_FAILED', `its package.json points outside the package (${entry})`, 'point "main" or "exports" at a file inside the package');
  }
  return entry;
}

function resolvePlugin(request: string, options: LoadPluginsOptions): string {
  if (isPath(request)) return resolvePluginPath(request, options);
  const tried: string[] = [];
  const conditions = activeConditions();
  const roots = options.packageRoots ?? {};
  for (const name of candidateNames(request)) {
    for (const [index, dir] of options.searchDirs.entries()) {
      if (index === 1 && roots[name]) return packageEntry(roots[name], name, conditions);
      try {
        return fileURLToPath(moduleResolve(name, pathToFileURL(`${dir.replace(/\/+$/, '')}/`), conditions));
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== 'ERR_MODULE_NOT_FOUND') {
          throw new MmsdError('EMMSD_PLUGIN_LOAD_FAILED', `plugin "${request}" cannot be resolved from ${dir}: ${describeError(error)}`, {
            cause: error,
            hint: `reinstall it (mmsd plugins:install ${name})`,
          });
        }
      }
    }
    if (options.searchDirs.length <= 1 && roots[name]) return packageEntry(roots[name], name, conditions);
    tried.push(name);
  }
  throw new MmsdError(
    'EMMSD_PLUGIN_NOT_FOUND',
    `plugin "${request}"${where(options.configFile)} is not installed (looked for ${tried.join(', ')} from ${options.searchDirs.join(', ')})`,
    {
      hint: `install it with "mmsd plugins:install ${tried.length > 1 ? tried[1] : tried[0]}" or "npm install" next to the config file, or fix the name`,
      details: { plugin: request },
    },
  );
}

/** The plugin object of a module: `export default`, a CJS module's `default`, or the namespace. */
function pluginExport(module: Record<string, unknown>): unknown {
  const first = module.default ?? module;
  const second = (first as { default?: unknown } | undefined)?.default;
  return second && typeof second === 'object' && 'apply' in second ? second : first;
}

function checkShape(module: Record<string, unknown>, request: string, file: string, configFile: string | undefined): MmsdPlugin {
  const problems: string[] = [];
  const value = pluginExport(module);
  const v = value as Partial<MmsdPlugin> | undefined;
  if (module.default === undefined && !('apply' in module)) problems.push(`it has no default export (its exports: ${Object.keys(module).join(', ') || 'none'})`);
  else if (!v || (typeof v !== 'object' && typeof v !== 'function')) problems.push('its default export is not an object');
  else {
    if (typeof v.name !== 'string' || !v.name.trim()) problems.push('it has no "name" string');
    if (typeof v.apply !== 'function') problems.push('it has no "apply(hooks, ctx)" function');
    if (v.mmsd !== undefined && (typeof v.mmsd !== 'string' || validRange(v.mmsd) === null)) problems.push(`its "mmsd" (${JSON.stringify(v.mmsd)}) is not a semver range`);
    if (v.optionsSchema !== undefined && (typeof v.optionsSchema !== 'object' || v.optionsSchema === null)) {
      problems.push('its "optionsSchema" is not a JSON schema object');
    }
  }
  if (problems.length > 0) {
    throw new MmsdError('EMMSD_PLUGIN_INVALID', `plugin "${request}" (${file})${where(configFile)} is not an mmsd plugin: ${problems.join(', ')}`, {
      hint: 'a plugin package must `export default { name, optionsSchema?, apply(hooks, ctx) }`',
      details: { plugin: request },
    });
  }
  return v as MmsdPlugin;
}

/**
 * Resolves, imports and checks every plugin of the config, and validates its options against
 * its schema. Any problem is a coded error that names the plugin and the config file.
 */
export async function loadPlugins(options: LoadPluginsOptions): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  const ajv = createAjv();
  for (const [index, entry] of options.entries.entries()) {
    const [request, rawOptions] = normalizeEntry(entry, index, options.configFile);
    const file = resolvePlugin(request, options);
    if (!existsSync(file)) {
      throw new MmsdError('EMMSD_PLUGIN_LOAD_FAILED', `plugin "${request}"${where(options.configFile)}: its entry file ${file} does not exist`, {
        hint: 'build the plugin (its package.json "main" or "exports" names a file that is not there), or fix "main"/"exports"',
        details: { plugin: request, path: file },
      });
    }
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      throw new MmsdError('EMMSD_PLUGIN_LOAD_FAILED', `plugin "${request}"${where(options.configFile)} failed to load from ${file}: ${describeError(error)}`, {
        cause: error,
        hint: 'the plugin threw while it was imported; check that it is built and that its dependencies are installed',
        details: { plugin: request },
      });
    }
    const plugin = checkShape(module, request, file, options.configFile);
    if (plugin.mmsd !== undefined && !satisfies(HOST_VERSION, plugin.mmsd, { includePrerelease: true })) {
      throw new MmsdError('EMMSD_PLUGIN_INCOMPATIBLE', `plugin "${plugin.name}"${where(options.configFile)} works with mmsd ${plugin.mmsd}, and this is mmsd ${HOST_VERSION}`, {
        hint: `install a version of "${request}" made for mmsd ${HOST_VERSION} (mmsd plugins:install ${request}@<version>), or an mmsd in ${plugin.mmsd}`,
        details: { plugin: plugin.name, range: plugin.mmsd, host: HOST_VERSION },
      });
    }
    const pluginOptions = structuredClone(rawOptions);
    if (plugin.optionsSchema) {
      let validate;
      try {
        validate = ajv.compile(plugin.optionsSchema);
      } catch (error) {
        throw new MmsdError('EMMSD_PLUGIN_INVALID', `plugin "${request}"${where(options.configFile)} has an invalid optionsSchema: ${describeError(error)}`, {
          cause: error,
          hint: `the plugin's own JSON schema of its options does not compile (draft-07, ajv strict mode): a bug of "${request}"; report it to its author`,
          details: { plugin: request },
        });
      }
      if (!validate(pluginOptions)) {
        const lines = describeSchemaErrors(validate.errors, plugin.optionsSchema, 'options');
        throw new MmsdError(
          'EMMSD_PLUGIN_OPTIONS_INVALID',
          `plugin "${plugin.name}"${where(options.configFile)} has invalid options: ${lines.join('; ')}`,
          { hint: `see the options of "${plugin.name}" in its documentation`, details: { plugin: plugin.name, errors: lines } },
        );
      }
    }
    const duplicate = loaded.find((p) => p.plugin.name === plugin.name);
    if (duplicate) {
      throw new MmsdError(
        'EMMSD_PLUGIN_DUPLICATE',
        `plugin "${plugin.name}" is configured twice${where(options.configFile)} (as "${duplicate.request}" and "${request}")`,
        { hint: 'list each plugin once', details: { plugin: plugin.name } },
      );
    }
    loaded.push({ plugin, options: pluginOptions, request, file });
  }
  return loaded;
}
