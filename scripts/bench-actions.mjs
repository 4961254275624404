#!/usr/bin/env node
// Prints, for every action bundle: its size and its start-up time under Node.js 24 (median of several runs
// of the bundle with no inputs, which fails on the first missing input), as a ratio to a bare `node -e 0`
// measured in the same run; the same figures for the actions this suite replaces when their bundles are
// present locally (ANCHORS_DIR/<name>/…); and the size of the repository archive a runner downloads for
// `uses: owner/repo@v1`.
//
//   npm run bench:actions                 RUNS=15 npm run bench:actions
//   ANCHORS_DIR=/path/to/anchors npm run bench:actions
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listActions } from './build.mjs';

const root = new URL('..', import.meta.url).pathname;
const runs = Number(process.env.RUNS ?? 11);
const node24 =
  process.env.NODE24_PATH ??
  (process.versions.node.startsWith('24.')
    ? process.execPath
    : execFileSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], { encoding: 'utf8' }).trim());

/** The anchors: what each action replaces, where its bundle would be under ANCHORS_DIR. */
const ANCHORS = [
  { name: 'aws-actions/amazon-ecs-deploy-task-definition', replacedBy: 'deploy-ecs', entry: 'dist/index.js' },
  {
    name: 'aws-actions/aws-cloudformation-github-deploy',
    replacedBy: 'deploy-stack',
    entry: 'dist/index.js',
  },
  { name: 'aws-actions/amazon-ecr-login', replacedBy: 'build-push', entry: 'dist/index.js' },
  { name: 'slackapi/slack-github-action', replacedBy: 'slack-notify', entry: 'dist/index.js' },
  { name: 'trstringer/manual-approval', replacedBy: 'approve', entry: 'dist/index.js' },
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wall time of `node <args>` in ms, median of `runs`, with a clean environment (no inputs). */
function time(args, cwd) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: '/tmp' };
  spawnSync(node24, args, { cwd, env, stdio: 'ignore' }); // warm the file cache
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    spawnSync(node24, args, { cwd, env, stdio: 'ignore' });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(samples);
}

function bundleBytes(dir) {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.(m?js|cjs|node|wasm)$/.test(f))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;

const baseline = time(['-e', '0'], root);
console.log(
  `Node.js ${execFileSync(node24, ['-v'], { encoding: 'utf8' }).trim()}, ${runs} runs each, bare \`node -e 0\`: ${baseline.toFixed(0)} ms\n`,
);
console.log('| action | bundle | start-up | × node -e 0 | goal (≤ 1.5 MB, ≤ 3.5×) |');
console.log('| --- | ---: | ---: | ---: | --- |');
let failures = 0;
for (const action of listActions()) {
  const dist = join(action.dir, 'dist');
  const entry = join(dist, 'index.js');
  if (!existsSync(entry)) {
    console.log(`| ${action.name} | — | — | — | no bundle: run npm run build |`);
    continue;
  }
  const bytes = bundleBytes(dist);
  const ms = time([entry], action.dir);
  const ratio = ms / baseline;
  const ok = bytes <= 1.5e6 && ratio <= 3.5;
  if (!ok) failures++;
  console.log(
    `| ${action.name} | ${mb(bytes)} | ${ms.toFixed(0)} ms | ${ratio.toFixed(2)}× | ${ok ? 'met' : 'MISSED'} |`,
  );
}

const anchorsDir = process.env.ANCHORS_DIR;
console.log('\nAnchors (the actions replaced):');
for (const anchor of ANCHORS) {
  const dir = anchorsDir ? join(anchorsDir, anchor.name.split('/')[1]) : undefined;
  const entry = dir ? join(dir, anchor.entry) : undefined;
  if (!entry || !existsSync(entry)) {
    console.log(
      `- ${anchor.name} (→ ${anchor.replacedBy}): not present locally${anchorsDir ? ` under ${anchorsDir}` : ' (set ANCHORS_DIR)'}`,
    );
    continue;
  }
  const ms = time([entry], dir);
  console.log(
    `- ${anchor.name} (→ ${anchor.replacedBy}): ${mb(bundleBytes(join(dir, 'dist')))}, ${ms.toFixed(0)} ms = ${(ms / baseline).toFixed(2)}×`,
  );
}

// What a runner downloads for `uses: owner/repo@ref`: the repository archive at that ref.
const archive = spawnSync('sh', ['-c', 'git archive --format=tar.gz HEAD | wc -c'], {
  cwd: root,
  encoding: 'utf8',
});
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter(Boolean);
const big = tracked
  .filter((f) => existsSync(join(root, f)))
  .map((f) => ({ f, size: statSync(join(root, f)).size }))
  .filter(({ f, size }) => size > 8_000 && !/(^|\/)dist\//.test(f) && f !== 'package-lock.json')
  .sort((a, b) => b.size - a.size);
console.log(
  `\nRepository archive (git archive HEAD, gzip): ${mb(Number(archive.stdout.trim()))}, ${tracked.length} files`,
);
const maps = tracked.filter((f) => f.endsWith('.map'));
console.log(`Source maps tracked: ${maps.length === 0 ? 'none' : maps.join(', ')}`);
console.log(
  `Tracked files over 8 kB outside dist/ (fixtures must stay small):${big.length === 0 ? ' none' : ''}`,
);
for (const { f, size } of big.slice(0, 15))
  console.log(`- ${relative('.', f)}: ${(size / 1000).toFixed(1)} kB`);
if (failures > 0) console.log(`\n${failures} bundle(s) missed a goal.`);
