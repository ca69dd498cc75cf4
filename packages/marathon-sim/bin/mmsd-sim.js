#!/usr/bin/env node
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`mmsd-sim: ${error.message}\n`);
  process.exit(1);
});
