// Builds the esbuild bundle that bin/destconfig launches (ARCHITECTURE.md decision 1), in two parts:
// - dist/destconfig.mjs, from src/cli/main.ts, one file with no chunks: it answers `--version` and a plain
//   `list` by itself (start-up goal of issue 6: every module file costs a round of the ESM loader, and the
//   list path used to load 17 of them);
// - dist/program.mjs and dist/chunks/, from src/cli/program.ts, with code splitting: every other command
//   line. Modules reached only through import() (the delivery stack, the form UI) land in their own
//   chunks and are parsed only when a command needs them. main.ts loads it with `import('./program.js')`,
//   which the first build leaves as an import of the second's output.
// The table and store code the list path needs is in both parts; only one part runs it in a process.
// The banner gives the program's ESM bundle a `require`, which commander 14 (CommonJS) needs.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  sourcemap: false,
  logLevel: 'warning',
  define: { __VERSION__: JSON.stringify(pkg.version) },
};

/** main.ts's `import('./program.js')` stays an import, of the program bundle built next to it. */
const programIsSeparate = {
  name: 'program-is-separate',
  setup(b) {
    b.onResolve({ filter: /^\.\/program\.js$/ }, (args) =>
      args.importer.endsWith('main.ts') ? { path: './program.mjs', external: true } : undefined,
    );
  },
};

await Promise.all([
  build({ ...common, entryPoints: { destconfig: 'src/cli/main.ts' }, splitting: false, plugins: [programIsSeparate] }),
  build({
    ...common,
    entryPoints: { program: 'src/cli/program.ts' },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
  }),
]);
