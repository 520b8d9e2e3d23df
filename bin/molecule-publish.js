#!/usr/bin/env node
// The published entry point: the CLI bundled from src/cli by `npm run build` (run by `prepare`).
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code between runs (in the system's temporary folder): a second run
// on the same machine skips most of the compiling. Node 20 has no such cache and goes on as it is.
module.enableCompileCache?.();
await import('../build/cli.js');
