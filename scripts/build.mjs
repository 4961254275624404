#!/usr/bin/env node
// Builds every action bundle with @vercel/ncc (ESM, minified, licences alongside) and the service bundle
// with esbuild. `--check` builds the action bundles into a temporary folder and fails if they differ from
// the committed dist/ folders (the check CI runs), `--only a,b` limits the actions built.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set(args[onlyIndex + 1].split(',')) : undefined;
const skipService = args.includes('--actions-only') || check || only;

/** Every action: the root action (src/ → dist/) and each actions/<name> with a src/index.ts. */
export function listActions() {
  const actions = [];
  if (existsSync(join(root, 'src/index.ts'))) actions.push({ name: 'root', dir: root });
  for (const name of readdirSync(join(root, 'actions')).sort()) {
    const dir = join(root, 'actions', name);
    if (existsSync(join(dir, 'src/index.ts'))) actions.push({ name, dir });
  }
  return actions;
}

function exec(cmd, argv, opts = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise(out) : reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}\n${out}`)),
    );
  });
}

const ncc = join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js');

async function buildAction(action, outDir) {
  rmSync(outDir, { recursive: true, force: true });
  await exec(process.execPath, [
    ncc,
    'build',
    relative(root, join(action.dir, 'src/index.ts')),
    '-o',
    outDir,
    '--minify',
    '--license',
    'licenses.txt',
    '--quiet',
  ]);
  await minifyChunks(outDir);
}

/**
 * ncc minifies only index.js: the chunks it writes for dynamic import()s (the AWS SDK, Octokit, …) come out
 * unminified. Minify them with esbuild (whitespace, syntax and local names; exports keep their names).
 */
async function minifyChunks(outDir) {
  const { transform } = await import('esbuild');
  for (const file of readdirSync(outDir).filter((f) => /^\d+\.index\.js$/.test(f))) {
    const path = join(outDir, file);
    const { code } = await transform(readFileSync(path, 'utf8'), {
      minify: true,
      format: 'esm',
      target: 'node22',
      legalComments: 'none',
    });
    writeFileSync(path, code);
  }
}

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** Runs `tasks` with at most `limit` at once (the machine has two cores). */
async function pool(tasks, limit) {
  const results = [];
  let next = 0;
  async function worker() {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

async function main() {
  const actions = listActions().filter((a) => !only || only.has(a.name));
  const scratch = check ? mkdtempSync(join(tmpdir(), 'bundles-')) : undefined;
  const stale = [];
  await pool(
    actions.map((action) => async () => {
      const committed = join(action.dir, 'dist');
      const outDir = scratch ? join(scratch, action.name) : committed;
      const started = Date.now();
      await buildAction(action, outDir);
      if (scratch) {
        const a = listFiles(committed);
        const b = listFiles(outDir);
        const differs =
          a.join('\n') !== b.join('\n') ||
          b.some((f) => !readFileSync(join(committed, f)).equals(readFileSync(join(outDir, f))));
        if (differs) stale.push(relative(root, committed));
      }
      console.log(
        `${action.name.padEnd(14)} ${relative(root, outDir) || outDir} (${Date.now() - started} ms)`,
      );
    }),
    2,
  );
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (stale.length > 0) {
    console.error(
      `Committed bundles are out of date: ${stale.join(', ')}. Run \`npm run build\` and commit the result.`,
    );
    process.exitCode = 1;
    return;
  }
  if (!skipService && existsSync(join(root, 'service/src/index.ts'))) {
    await exec(process.execPath, [join(root, 'service/scripts/build.mjs')]);
    console.log('service        service/dist');
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
