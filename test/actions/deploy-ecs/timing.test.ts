// How soon after ECS reaches a terminal rollout state the action exits, with the default poll intervals
// (no DEPLOY_ACTIONS_POLL_INTERVAL_MS): printed, not asserted (the machine's load is not the action's).
// More samples: DEPLOY_ECS_TIMING_RUNS=5 npx vitest run test/actions/deploy-ecs/timing.test.ts
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type LocalAws,
  seedEcsService,
  seedStackManagedService,
  startLocalAws,
} from '../../support/aws/index.js';
import { deploy, explain, image } from './helpers.js';

let aws: LocalAws;
const RUNS = Number(process.env.DEPLOY_ECS_TIMING_RUNS ?? 1);
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
