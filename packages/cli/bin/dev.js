#!/usr/bin/env -S node --import tsx --disable-warning=ExperimentalWarning
import { execute } from '@oclif/core';
import { withDefaultCommand } from '../src/default-command.ts';

await execute({ development: true, dir: import.meta.url, args: withDefaultCommand(process.argv.slice(2)) });
