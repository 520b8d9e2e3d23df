#!/usr/bin/env node
// The published entry point: the CLI compiled from src/cli by `npm run build` (run by `prepare`).
import '../build/cli.js';
