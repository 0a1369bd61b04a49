import { defineConfig } from 'vitest/config';

// Interop suite: real Postfix and dnsmasq started once by scripts/peers.sh from the global setup (and
// stopped in its teardown, also on failure). See docs/interop.md. Files run one at a time and tests in
// order, because the Postfix-side checks read one shared mail log from a mark onwards.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    globalSetup: ['test/interop/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
