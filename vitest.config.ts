import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end suites start real processes and sockets; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A temporary folder per run that must be empty again at the end (test/helpers/temp-guard.ts).
    globalSetup: ['./test/helpers/temp-guard.ts'],
    // Folders made with makeTempDir (test/helpers/temp-dir.ts) are removed after each test file.
    setupFiles: ['./test/helpers/remove-temp-dirs.ts'],
    // The default output, then one summary of what was skipped for a missing tool (test/helpers/tools.ts).
    reporters: ['default', './test/helpers/skip-summary.ts'],
  },
});
