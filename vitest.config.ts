import { defineConfig } from 'vitest/config';

// The fast suites: unit, integration with in-process peers, end-to-end runs of the built bundle.
// The interop suite (real Postfix + dnsmasq) has its own config: vitest.interop.config.ts.
// .ci/run sets DESTCONFIG_TEST_REPORT_DIR to count passed and failed tests from vitest's JSON report
// (fast.json there) while running the README's test command (`npm run test:all`) as a user would.
const reportDir = process.env.DESTCONFIG_TEST_REPORT_DIR;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/interop/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    ...(reportDir ? { reporters: ['default', 'json'], outputFile: { json: `${reportDir}/fast.json` } } : {}),
  },
});
