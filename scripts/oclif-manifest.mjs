#!/usr/bin/env node
// Writes packages/cli/oclif.manifest.json after a build: with it oclif loads only the command
// that runs (without it every command is imported to list their flags, about 20 MB more for
// `mmsd run`, the plugin installer and the simulator included).
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin, settings } from '@oclif/core';

// The manifest names the built commands, also when NODE_ENV is development or test (where oclif
// would record the TypeScript sources, which a packed mmsd does not have).
settings.enableAutoTranspile = false;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli');
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true });
await plugin.load();
await writeFile(join(root, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest, null, 2)}\n`);
