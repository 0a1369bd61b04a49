// Builds the esbuild bundle that bin/destconfig launches (ARCHITECTURE.md decision 1).
// Code splitting keeps start-up light: modules reached only through import() (the delivery stack, the
// form UI) land in their own chunks and are parsed only when a command needs them.
// The banner gives the ESM bundle a `require`, which commander 14 (CommonJS) needs.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: { destconfig: 'src/cli/main.ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  sourcemap: false,
  logLevel: 'warning',
  define: { __VERSION__: JSON.stringify(pkg.version) },
  banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
});
