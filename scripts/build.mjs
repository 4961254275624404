#!/usr/bin/env node
// Builds every action bundle with @vercel/ncc (ESM, minified, licences alongside) and the service bundle
// with esbuild. `--check` builds the action bundles into a temporary folder and fails if they differ from
// the committed dist/ folders (the check CI runs), `--only a,b` limits the actions built.
//
// Incremental: each dist/ holds build-stamp.json, a hash of the bundle's inputs (every file of its module
// graph, the installed version of every package in it, the build's settings and tools) and of the
// bundle it produced. A bundle whose inputs hash and whose committed files both match its stamp is fresh
// and is not rebuilt (`--force` rebuilds anyway). Anything the hash cannot account for makes it stale, never
// fresh: a graph that cannot be read, a file edited in dist/, a missing stamp.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set(args[onlyIndex + 1].split(',')) : undefined;
const force = args.includes('--force');
const skipService = args.includes('--actions-only') || check || only;
const STAMP = 'build-stamp.json';

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

// --- how a bundle is made: this part of the file is an input of every bundle (inputsHash) ---
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

// --- end of how a bundle is made ---

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/**
 * The hash of everything a bundle is built from: the content of each source file in its module graph
 * (followed with esbuild, dynamic imports included), for each package in the graph the package.json of
 * the installed copy (its version), and the build settings: the code that runs ncc and esbuild,
 * tsconfig.json, how package.json makes modules resolve, and the ncc and esbuild versions. `undefined` when the graph cannot be read (then the bundle counts as stale).
 */
export async function inputsHash(action) {
  const { build } = await import('esbuild');
  let metafile;
  try {
    ({ metafile } = await build({
      entryPoints: [join(action.dir, 'src/index.ts')],
      absWorkingDir: root,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      logLevel: 'silent',
      outdir: join(tmpdir(), 'build-graph'),
    }));
  } catch {
    return undefined;
  }
  const entries = [];
  const packages = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const at = input.lastIndexOf('node_modules/');
    if (at < 0) {
      entries.push(`file ${input} ${sha256(readFileSync(join(root, input)))}`);
      continue;
    }
    const rest = input.slice(at + 'node_modules/'.length).split('/');
    const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    packages.add(`${input.slice(0, at)}node_modules/${name}`);
  }
  for (const dir of packages) {
    const manifest = join(root, dir, 'package.json');
    if (!existsSync(manifest)) return undefined;
    entries.push(`package ${dir} ${sha256(readFileSync(manifest))}`);
  }
  const tools = ['@vercel/ncc', 'esbuild'].map(
    (name) =>
      `tool ${name} ${JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version}`,
  );
  entries.push(`setting tsconfig.json ${sha256(readFileSync(join(root, 'tsconfig.json')))}`);
  // Of package.json, what changes how modules resolve and load (not its scripts or version ranges: the
  // installed packages are hashed above).
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const resolution = ['type', 'imports', 'exports', 'main', 'module', 'browser'].map((k) => [k, manifest[k]]);
  entries.push(`setting package.json ${sha256(JSON.stringify(resolution))}`);
  // How a bundle is made (ncc's arguments, the chunk minification): that part of this file's text.
  entries.push(`setting build ${sha256(recipe())}`);
  return sha256([...entries.sort(), ...tools].join('\n'));
}

/** The text of this file between the two `how a bundle is made` markers. */
function recipe() {
  const text = readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const start = text.indexOf('// --- how a bundle is made');
  const end = text.indexOf('// --- end of how a bundle is made');
  if (start < 0 || end < start) throw new Error('scripts/build.mjs: the bundle recipe markers are missing');
  return text.slice(start, end);
}

/** The hash of a built bundle: every file in `dir` but the stamp, by name and content. */
function bundleHash(dir) {
  return sha256(
    listFiles(dir)
      .filter((f) => f !== STAMP)
      .map((f) => `${f} ${sha256(readFileSync(join(dir, f)))}`)
      .join('\n'),
  );
}

export function writeStamp(dir, inputs) {
  if (inputs === undefined) return;
  writeFileSync(join(dir, STAMP), `${JSON.stringify({ inputs, bundle: bundleHash(dir) }, null, 2)}\n`);
}

/** Whether `dir` holds the bundle of exactly these inputs, untouched since it was built. */
export function isFresh(dir, inputs) {
  if (inputs === undefined || !existsSync(join(dir, STAMP))) return false;
  try {
    const stamp = JSON.parse(readFileSync(join(dir, STAMP), 'utf8'));
    return stamp.inputs === inputs && stamp.bundle === bundleHash(dir);
  } catch {
    return false;
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
      const inputs = await inputsHash(action);
      if (!force && isFresh(committed, inputs)) {
        console.log(
          `${action.name.padEnd(14)} ${relative(root, committed)} fresh: inputs unchanged (${Date.now() - started} ms)`,
        );
        return;
      }
      await buildAction(action, outDir);
      writeStamp(outDir, inputs);
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
