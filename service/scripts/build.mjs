#!/usr/bin/env node
// Bundles the service with esbuild into service/dist/: server.mjs (the HTTP server) and migrate.mjs (the
// one-off migration task), ESM for Node.js 24, with shared code in chunk files next to them. PGlite is
// bundled too; its WebAssembly and data files are copied beside the bundles, where it looks for them.
// The bundles find the migrations at ../drizzle, as in the repository and in the image.
//
//   node service/scripts/build.mjs [--outdir <dir>]
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const serviceDir = resolve(fileURLToPath(import.meta.url), '../..');
const require = createRequire(import.meta.url);

/** Swagger UI's browser files, served by /docs (see src/system/docs.ts); copied to dist/swagger-ui/. */
const SWAGGER_UI_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'LICENSE', 'NOTICE'];

/** Files PGlite loads at run time through `new URL(file, import.meta.url)`. */
const PGLITE_ASSETS = ['pglite.wasm', 'pglite.data', 'initdb.wasm'];

// esbuild turns require() calls of bundled CommonJS packages (pg, pino) into a shim that ESM output cannot
// serve; a real require fixes that for Node.js built-ins.
const BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export async function buildService({ outdir = join(serviceDir, 'dist') } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: serviceDir,
    entryPoints: { server: 'src/index.ts', migrate: 'src/migrate.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'external',
    banner: { js: BANNER },
    // Optional native binding pg tries to load; never installed.
    external: ['pg-native'],
    metafile: true,
    logLevel: 'warning',
  });
  const pgliteDist = dirname(require.resolve('@electric-sql/pglite'));
  for (const asset of PGLITE_ASSETS) copyFileSync(join(pgliteDist, asset), join(outdir, asset));
  const swaggerUiDist = dirname(require.resolve('swagger-ui-dist/package.json'));
  mkdirSync(join(outdir, 'swagger-ui'));
  for (const asset of SWAGGER_UI_ASSETS) {
    copyFileSync(join(swaggerUiDist, asset), join(outdir, 'swagger-ui', asset));
  }
  return { outdir, outputs: Object.keys(result.metafile.outputs) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outdir');
  const outdir = at >= 0 && args[at + 1] ? resolve(args[at + 1]) : undefined;
  const started = Date.now();
  buildService({ outdir })
    .then(({ outdir: dir }) =>
      console.log(`service bundle: ${relative(process.cwd(), dir) || dir} (${Date.now() - started} ms)`),
    )
    .catch((error) => {
      console.error(error.message);
      process.exitCode = 1;
    });
}
