#!/usr/bin/env node
import { execute } from '@oclif/core';
import { withDefaultCommand } from '../dist/default-command.js';

await execute({ dir: import.meta.url, args: withDefaultCommand(process.argv.slice(2)) });
