import { defineConfig } from 'vitest/config';

// The fast suites: unit, integration with in-process peers, end-to-end runs of the built bundle.
// The interop suite (real Postfix + dnsmasq) has its own config: vitest.interop.config.ts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/interop/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
