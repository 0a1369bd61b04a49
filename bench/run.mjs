// `npm run bench`: bundles the bench (TypeScript under bench/) with esbuild and runs it. The bundles go to
// node_modules/.cache (outside git and lint); packages stay external and resolve from node_modules. Each
// run has a folder of its own there (removed when it ends), so a second run (or the test of `--help`) never
// replaces the bundles a running bench's workers load.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repo = path.dirname(benchDir);
const outdir = path.join(repo, 'node_modules', '.cache', `destconfig-bench-${process.pid}`);
rmSync(outdir, { recursive: true, force: true });
process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
await build({
  entryPoints: {
    main: path.join(benchDir, 'main.ts'),
    sink: path.join(benchDir, 'workers/sink.ts'),
    client: path.join(benchDir, 'workers/client.ts'),
  },
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir,
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
});
process.env.BENCH_BUILD_DIR = outdir;
process.env.BENCH_REPO = repo;
await import(path.join(outdir, 'main.mjs'));
