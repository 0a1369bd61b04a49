// Loaded with `node --import` into a measured child process (the CLI under test): at exit it writes the
// process's own resource usage (CPU time, peak RSS) to $BENCH_RUSAGE_FILE, so no external tool
// (/usr/bin/time, hyperfine) is needed and the figures are the child's alone.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RUSAGE_FILE;
if (file) {
  process.on('exit', () => {
    const r = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ userMs: r.userCPUTime / 1000, systemMs: r.systemCPUTime / 1000, maxRssKb: r.maxRSS }));
  });
}
