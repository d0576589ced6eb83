import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A TMPDIR of the run's own, removed at its end.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end files start servers and many processes; two at a time suit a 2-core machine.
    maxWorkers: 2,
  },
});
