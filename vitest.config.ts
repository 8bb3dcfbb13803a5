import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The dissector and the analysis run once more against Debian trixie's tshark (Wireshark 4.4),
 * from the root that scripts/build-tshark-trixie.sh makes (scripts/setup-machine.sh builds it), so
 * a newer Wireshark's change fails here and not in a student's report. CI must have it; a
 * developer without it runs the machine's tshark only.
 */
const trixieRoot = process.env['TSHARK_TRIXIE_ROOT'] || '/var/lib/chatmsg/tshark-trixie';
const haveTrixie = existsSync(join(trixieRoot, 'usr/bin/tshark'));
if (process.env['CI'] && !haveTrixie) {
  throw new Error(`CI needs tshark 4.4 in ${trixieRoot}: run scripts/build-tshark-trixie.sh (scripts/setup-machine.sh does)`);
}
const trixieTshark = fileURLToPath(new URL('./scripts/tshark-trixie.sh', import.meta.url));

export default defineConfig({
  test: {
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
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'] } },
      ...(haveTrixie
        ? [{
            extends: true as const,
            test: {
              name: 'tshark-4.4',
              // The dissector, the analysis, the captures --capture makes read back through it, and the report's frames.
              include: ['test/wireshark/**/*.test.ts', 'test/analyze/**/*.test.ts', 'test/scenario/capture.e2e.test.ts', 'test/report/link-types.test.ts'],
              env: { TSHARK: trixieTshark },
            },
          }]
        : []),
    ],
  },
});
