// Benchmark, not a test (`npm test` does not run it): how soon after ECS reaches a terminal rollout state the
// deploy-ecs bundle exits, with the default poll intervals (no DEPLOY_ACTIONS_POLL_INTERVAL_MS), on the
// direct and the stack path, against the local AWS endpoint. Prints the figures; asserts only that each run
// ended as the rollout did (the machine's load is not the action's, so no time is asserted).
//
//   npm run bench:rollout          DEPLOY_ECS_TIMING_RUNS=9 npm run bench:rollout
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deploy, explain, image } from '../actions/deploy-ecs/helpers.js';
import {
  type LocalAws,
  seedEcsService,
  seedStackManagedService,
  startLocalAws,
} from '../support/aws/index.js';

let aws: LocalAws;
const RUNS = Number(process.env.DEPLOY_ECS_TIMING_RUNS ?? 5);
const figures: string[] = [];

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  if (figures.length) console.log(`deploy-ecs: terminal rollout state → action exit\n${figures.join('\n')}`);
  await aws?.stop();
});

beforeEach(async () => {
  await aws.reset();
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function measure(outcome: 'complete' | 'fail', path: 'direct' | 'stack'): Promise<number> {
  if (path === 'stack')
    await seedStackManagedService(aws, { cluster: 'prod', service: 'web', image: image(1) });
  else await seedEcsService(aws, { cluster: 'prod', service: 'web', image: image(1) });
  aws.ecs.nextRollout({ service: 'web', outcome, durationMs: 5000 });
  const run = await deploy(
    aws,
    { cluster: 'prod', service: 'web', image: image(2) },
    { env: aws.env, timeoutMs: 60_000 },
  );
  expect(run.code, explain(run)).toBe(outcome === 'complete' ? 0 : 1);
  const rollout = aws.ecs.rollouts('web').find((r) => r.kind === 'rollout');
  expect(rollout?.terminalAt).toBeDefined();
  return run.exitedAt - (rollout?.terminalAt ?? 0);
}

describe('deploy-ecs timing (default poll intervals)', () => {
  for (const [outcome, path] of [
    ['complete', 'direct'],
    ['fail', 'direct'],
    ['complete', 'stack'],
  ] as const) {
    it(`${path} path, rollout ${outcome === 'complete' ? 'COMPLETED' : 'FAILED'}`, {
      timeout: 90_000 * RUNS,
    }, async () => {
      const lags: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        if (i > 0) await aws.reset();
        lags.push(await measure(outcome, path));
      }
      figures.push(
        `  ${path.padEnd(6)} ${outcome.padEnd(8)} median ${median(lags)} ms (runs: ${lags.join(', ')} ms; goal ≤ 5000 ms)`,
      );
    });
  }
});
