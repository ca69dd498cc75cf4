#!/usr/bin/env node
// A larger libuv threadpool (file writes of many services at once, DNS lookups) unless the
// operator chose one; it must be set before anything uses the pool, hence the dynamic imports.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { execute } = await import('@oclif/core');
const { withDefaultCommand } = await import('../dist/default-command.js');

await execute({ dir: import.meta.url, args: withDefaultCommand(process.argv.slice(2)) });
