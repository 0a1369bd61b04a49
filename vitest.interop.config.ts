import { defineConfig } from 'vitest/config';

// Interop suite: real Postfix and dnsmasq started by scripts/peers.sh (see README "Interop tests").
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
