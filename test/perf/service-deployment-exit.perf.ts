// Benchmark, not a test (`npm test` does not run it): for BLUE_GREEN / CANARY / LINEAR services, how soon the
// deploy-ecs bundle exits after ECS reports the service deployment's final state (SUCCESSFUL,
// ROLLBACK_SUCCESSFUL after an alarm), how soon it exits after all production traffic has moved with
// wait-until production-traffic, and how soon it continues a deployment paused at the test gate (the test
// URL answers at once) — on a service of its own and on a stack-managed one, where CloudFormation's update
// carries the deployment and the action exits once the stack update has finished. Default poll intervals (no DEPLOY_ACTIONS_POLL_INTERVAL_MS), against the local AWS
// endpoint. Prints the figures; asserts only that each run ended as the deployment did.
//
//   npm run bench:rollout          DEPLOY_ECS_TIMING_RUNS=9 npm run bench:rollout
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
const ALARMS = { alarmNames: ['web-5xx'], enable: true, rollback: true };
// One configured minute lasts 100 ms here; each stage 300 ms.
const PACE = { stageMs: 300, minuteMs: 100 };

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  if (figures.length) console.log(`deploy-ecs, native strategies: ECS state → action\n${figures.join('\n')}`);
  await aws?.stop();
});

beforeEach(async () => {
  await aws.reset();
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

type Case =
  | 'canary SUCCESSFUL'
  | 'blue/green alarm → ROLLBACK_SUCCESSFUL'
  | 'production-traffic'
  | 'gate'
  | 'stack: gate'
  | 'stack: gated blue/green SUCCESSFUL';

async function measure(kind: Case): Promise<number> {
  const strategy = kind === 'canary SUCCESSFUL' ? 'CANARY' : 'BLUE_GREEN';
  const stack = kind.startsWith('stack: ');
  const gated = kind === 'gate' || stack;
  await (stack ? seedStackManagedService : seedEcsService)(aws, {
    cluster: 'prod',
    service: 'web',
    image: image(1),
    deploymentConfiguration: {
      strategy,
      bakeTimeInMinutes: kind === 'production-traffic' ? 600 : 20,
      alarms: ALARMS,
      ...(strategy === 'CANARY'
        ? { canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 20 } }
        : {}),
      ...(gated
        ? {
            lifecycleHooks: [
              {
                targetType: 'PAUSE',
                lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
                timeoutConfiguration: { timeoutInMinutes: 600, action: 'ROLLBACK' },
              },
            ],
          }
        : {}),
    },
  });
  aws.ecs.nextRollout({
    service: 'web',
    outcome: 'complete',
    native:
      kind === 'blue/green alarm → ROLLBACK_SUCCESSFUL'
        ? { ...PACE, alarm: { name: 'web-5xx', stage: 'BAKE_TIME' } }
        : PACE,
  });
  const server = createServer((_req, res) => res.writeHead(200).end('{"version":"v2"}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/version`;
  try {
    const run = await deploy(
      aws,
      {
        cluster: 'prod',
        service: 'web',
        image: image(2),
        ...(kind === 'production-traffic' ? { 'wait-until': 'production-traffic' } : {}),
        ...(gated ? { 'test-url': url, 'expect-version': 'v2' } : {}),
      },
      { env: aws.env, timeoutMs: 120_000 },
    );
    const [sd] = await aws.ecs.serviceDeployments('web');
    if (kind === 'blue/green alarm → ROLLBACK_SUCCESSFUL') {
      expect(run.code, explain(run)).toBe(1);
      expect(sd?.status).toBe('ROLLBACK_SUCCESSFUL');
    } else {
      expect(run.code, explain(run)).toBe(0);
    }
    if (kind === 'production-traffic') {
      const bake = sd?.history.find((h) => h.stage === 'BAKE_TIME');
      expect(bake).toBeDefined();
      return run.exitedAt - (bake?.at ?? 0);
    }
    if (kind === 'gate' || kind === 'stack: gate') {
      const hook = sd?.hooks[0];
      expect(hook?.resolvedAt).toBeDefined();
      return (hook?.resolvedAt ?? 0) - (hook?.awaitingSince ?? 0);
    }
    expect(sd?.finishedAt).toBeDefined();
    return run.exitedAt - (sd?.finishedAt ?? 0);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('deploy-ecs timing, native strategies (default poll intervals)', () => {
  const cases: Array<[Case, string]> = [
    ['canary SUCCESSFUL', 'SUCCESSFUL → action exits'],
    ['blue/green alarm → ROLLBACK_SUCCESSFUL', 'ROLLBACK_SUCCESSFUL → action exits'],
    ['production-traffic', 'BAKE_TIME starts → action exits (wait-until production-traffic)'],
    ['gate', 'hook AWAITING_ACTION → ContinueServiceDeployment (test URL answers at once)'],
    [
      'stack: gate',
      'stack path: hook AWAITING_ACTION → ContinueServiceDeployment, while CloudFormation waits',
    ],
    [
      'stack: gated blue/green SUCCESSFUL',
      'stack path: SUCCESSFUL → action exits (CloudFormation finishes the update, then the action)',
    ],
  ];
  for (const [kind, what] of cases) {
    it(what, { timeout: 120_000 * RUNS }, async () => {
      const lags: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        if (i > 0) await aws.reset();
        lags.push(await measure(kind));
      }
      figures.push(`  ${what}: median ${median(lags)} ms (runs: ${lags.join(', ')} ms; goal ≤ 5000 ms)`);
    });
  }
});
