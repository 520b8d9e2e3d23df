import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    restoreMocks: true,
    unstubEnvs: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end tests run the CLI in-process (a few spawn it) against local registries.
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core machine, whose
    // second core then sits mostly idle while tests wait on sockets, pip and child processes.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
