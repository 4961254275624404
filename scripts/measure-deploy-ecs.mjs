#!/usr/bin/env node
// Measures the deploy-ecs bundle: its size (the sum of dist/*.js, chunks included) and its start-up time
// under Node.js 24 with no inputs (it fails on the first missing input, before any AWS SDK code loads), as
// a ratio to a bare `node -e 0` timed in the same run, interleaved (median of --runs each).
//
//   node scripts/measure-deploy-ecs.mjs [--runs 11] [--node /path/to/node24] [--dist dir ...]
//
// The time from ECS reaching a terminal rollout state to the action exiting: npm run bench:rollout
// (test/perf/rollout-exit.perf.ts, against the local AWS endpoint).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = Number(option('--runs', '11'));
const dists = args.flatMap((a, i) => (args[i - 1] === '--dist' ? [resolve(a)] : []));
if (dists.length === 0) dists.push(join(root, 'actions/deploy-ecs/dist'));

function node24() {
  const given = option('--node', process.env.NODE24_PATH);
  if (given) return given;
  if (process.versions.node.startsWith('24.')) return process.execPath;
  return execFileSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], { encoding: 'utf8' }).trim();
}

function bundleBytes(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => ({ file: f, bytes: statSync(join(dir, f)).size }))
    .sort((a, b) => b.bytes - a.bytes);
}

const node = node24();
const scratch = mkdtempSync(join(tmpdir(), 'measure-deploy-ecs-'));
const env = {
  PATH: process.env.PATH,
  GITHUB_OUTPUT: join(scratch, 'output'),
  GITHUB_STEP_SUMMARY: join(scratch, 'summary'),
};
writeFileSync(env.GITHUB_OUTPUT, '');
writeFileSync(env.GITHUB_STEP_SUMMARY, '');

function timeOnce(argv) {
  const started = process.hrtime.bigint();
  const result = spawnSync(node, argv, { env, cwd: scratch, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, result };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const base = [];
const samples = dists.map(() => []);
for (let i = 0; i < runs; i++) {
  base.push(timeOnce(['-e', '0']).ms);
  dists.forEach((dir, d) => {
    const { ms, result } = timeOnce([join(dir, 'index.js')]);
    if (i === 0 && !/deploy-ecs: cluster: is required/.test(result.stdout)) {
      console.error(`unexpected output from ${dir}:\n${result.stdout}\n${result.stderr}`);
      process.exitCode = 1;
    }
    samples[d].push(ms);
  });
}
rmSync(scratch, { recursive: true, force: true });

const b = median(base);
console.log(
  `Node ${execFileSync(node, ['-v'], { encoding: 'utf8' }).trim()}, ${runs} runs each, interleaved`,
);
console.log(`node -e 0: median ${b.toFixed(1)} ms`);
dists.forEach((dir, d) => {
  const files = bundleBytes(dir);
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  const m = median(samples[d]);
  console.log(`\n${dir}`);
  console.log(
    `  bundle: ${(total / 1024 / 1024).toFixed(2)} MB in ${files.length} .js files (goal ≤ 1.5 MB)`,
  );
  for (const f of files) console.log(`    ${(f.bytes / 1024).toFixed(0).padStart(6)} KB  ${f.file}`);
  console.log(
    `  start-up with no inputs: median ${m.toFixed(1)} ms = ${(m / b).toFixed(2)}× node -e 0 (goal ≤ 3.5×)`,
  );
});
