import { defineConfig } from 'vitest/config';

// Interop suite: real Postfix and dnsmasq started once by scripts/peers.sh from the global setup (and
// stopped in its teardown, also on failure). See docs/interop.md. Files run one at a time and tests in
// order, because the Postfix-side checks read one shared mail log from a mark onwards.
// .ci/run sets DESTCONFIG_TEST_REPORT_DIR to count passed and failed tests from vitest's JSON report
// (interop.json there) while running the README's test command (`npm run test:all`) as a user would.
const reportDir = process.env.DESTCONFIG_TEST_REPORT_DIR;

export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    globalSetup: ['test/interop/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    ...(reportDir ? { reporters: ['default', 'json'], outputFile: { json: `${reportDir}/interop.json` } } : {}),
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
