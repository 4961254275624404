// deploy-ecs on services with ECS's native BLUE_GREEN / CANARY / LINEAR strategies: the action follows the
// service deployment (stages, traffic, final state and its reason), runs the test-traffic gate at the PAUSE
// hook after test traffic shifted, and honours wait-until, against the local endpoint's model of service
// deployments (test/support/aws/service-deployments.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type LocalAws,
  seedEcsService,
  seedStackManagedService,
  startLocalAws,
} from '../../support/aws/index.js';
import { deploy, explain, image, serviceTaskDefinition } from './helpers.js';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws?.stop();
});

beforeEach(async () => {
  await aws.reset();
});

const WEB = { cluster: 'prod', service: 'web' };
const ALARMS = { alarmNames: ['web-5xx', 'web-unhealthy'], enable: true, rollback: true };
const GATE_HOOK = {
  targetType: 'PAUSE',
  lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
  timeoutConfiguration: { timeoutInMinutes: 10, action: 'ROLLBACK' },
};
const SECRET = 'test-traffic-3f9a1c77d2';
/** Blue/green with the alarms and the test-traffic PAUSE hook the gate continues. */
const GATED_BLUE_GREEN = {
  strategy: 'BLUE_GREEN',
  bakeTimeInMinutes: 1,
  alarms: ALARMS,
  lifecycleHooks: [GATE_HOOK],
};
const V1 = { status: 200, body: '{"version":"v1"}' };
const V2 = { status: 200, body: '{"version":"v2"}' };

/**
 * The load balancer's test path as the gate sees it: requests carrying the secret header go where the
 * test listener rule sends them now (the layer's traffic weights); `versions` says what each revision answers.
 */
async function testListener(
  versions: (taskDefinition: string) => { status: number; body: string },
): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests += 1;
    void (async () => {
      if (req.headers['x-test-traffic'] !== SECRET) {
        res.writeHead(404).end('no rule matched');
        return;
      }
      const weights = (await aws.ecs.traffic('web'))?.test ?? {};
      const [target] = Object.entries(weights).sort((a, b) => b[1] - a[1])[0] ?? [];
      const answer = target
        ? versions(target)
        : { status: 503, body: 'no target: the test rule forwards nowhere' };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/version`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function stagesLogged(stdout: string): string[] {
  return [...stdout.matchAll(/Stage ([A-Z_]+) started/g)].map((m) => m[1] as string);
}

describe('deploy-ecs, native strategies', () => {
  it('follows a good canary through every stage and traffic step to SUCCESSFUL', async () => {
    const seeded = await seedEcsService(aws, {
      ...WEB,
      image: image(1),
      desiredCount: 2,
      deploymentConfiguration: {
        strategy: 'CANARY',
        bakeTimeInMinutes: 2,
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 3 },
        alarms: ALARMS,
      },
    });
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', native: { stageMs: 300, minuteMs: 300 } });

    const run = await deploy(aws, { ...WEB, image: image(2) });

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    const [sd, ...more] = await aws.ecs.serviceDeployments('web');
    expect(more).toEqual([]);
    expect(sd?.status).toBe('SUCCESSFUL');
    expect(sd?.strategy).toBe('CANARY');
    // The canary step, its bake, then the rest.
    expect([...new Set(sd?.history.map((h) => h.production))]).toEqual([0, 10, 100]);
    const stages = stagesLogged(run.stdout);
    for (const stage of [
      'PRE_SCALE_UP',
      'SCALE_UP',
      'TEST_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'BAKE_TIME',
      'CLEAN_UP',
    ])
      expect(stages, run.stdout).toContain(stage);
    expect(stages.indexOf('BAKE_TIME')).toBeGreaterThan(stages.indexOf('PRODUCTION_TRAFFIC_SHIFT'));
    expect(run.stdout).toContain('Traffic on the new revision: production 10%, test 100%');
    expect(run.stdout).toContain('Traffic on the new revision: production 100%, test 100%');
    expect(run.stdout).toMatch(/Service deployment SUCCESSFUL/);
    expect(await serviceTaskDefinition(aws, 'prod', 'web')).toBe(run.outputs['task-definition-arn']);
    expect(run.outputs['task-definition-arn']).not.toBe(seeded.taskDefinitionArn);
    expect(run.summary).toContain('CANARY service deployment: SUCCESSFUL');
    expect(run.summary).toContain('| BAKE_TIME |');
    expect(run.summary).toContain('| 10% |');
    expect(aws.callCount({ action: 'ContinueServiceDeployment' })).toBe(0);
  });

  it('blue/green with the test gate: smoke-tests the green revision on the test listener, then CONTINUE', async () => {
    await seedEcsService(aws, {
      ...WEB,
      image: image(1),
      deploymentConfiguration: GATED_BLUE_GREEN,
    });
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', native: { stageMs: 200, minuteMs: 1000 } });
    const listener = await testListener((td) => (td.endsWith(':2') ? V2 : V1));
    try {
      const run = await deploy(aws, {
        ...WEB,
        image: image(2),
        'test-url': listener.url,
        'test-header': `X-Test-Traffic: ${SECRET}`,
        'expect-version': 'v2',
      });

      expect(run.code, explain(run)).toBe(0);
      expect(run.outputs.status).toBe('deployed');
      const continues = aws.calls.filter((c) => c.action === 'ContinueServiceDeployment');
      expect(continues).toHaveLength(1);
      const [sd] = await aws.ecs.serviceDeployments('web');
      expect(continues[0]?.params).toEqual({
        serviceDeploymentArn: sd?.arn,
        hookId: sd?.hooks[0]?.hookId,
        action: 'CONTINUE',
      });
      expect(sd?.status).toBe('SUCCESSFUL');
      expect(sd?.hooks).toEqual([
        expect.objectContaining({ stage: 'POST_TEST_TRAFFIC_SHIFT', status: 'SUCCEEDED' }),
      ]);
      expect(listener.requests).toBeGreaterThan(0);
      expect(run.stdout).toMatch(/Paused at POST_TEST_TRAFFIC_SHIFT \(hook [0-9a-f-]+ until/);
      expect(run.stdout).toContain('Test gate passed');
      expect(run.summary).toContain('Test gate passed: CONTINUE');
      expect(run.summary).toContain('v2 (found)');
      // The header's value is a secret: masked wherever it would show.
      expect(run.masked).toContain(SECRET);
      expect(run.leaks(SECRET)).toEqual([]);
      expect(run.summary).not.toContain(SECRET);
    } finally {
      await listener.close();
    }
  });

  it('rolls back a version that fails the smoke test on the test listener: production never sees it', async () => {
    const seeded = await seedEcsService(aws, {
      ...WEB,
      image: image(1),
      deploymentConfiguration: {
        ...GATED_BLUE_GREEN,
        lifecycleHooks: [{ ...GATE_HOOK, timeoutConfiguration: { timeoutInMinutes: 4, action: 'CONTINUE' } }],
      },
    });
    // The hook times out after 4 s, then CONTINUE: only the gate's ROLLBACK stops the broken version.
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', native: { stageMs: 200, minuteMs: 1000 } });
    const listener = await testListener((td) =>
      td.endsWith(':2') ? { status: 500, body: '{"title":"database migration missing"}' } : V1,
    );
    try {
      const run = await deploy(aws, {
        ...WEB,
        image: image(2),
        'test-url': listener.url,
        'test-header': `X-Test-Traffic: ${SECRET}`,
        'expect-version': 'v2',
      });

      expect(run.code, explain(run)).toBe(1);
      expect(run.outputs.status).toBe('rolled-back');
      const [sd] = await aws.ecs.serviceDeployments('web');
      expect(sd?.status).toBe('ROLLBACK_SUCCESSFUL');
      expect(sd?.history.every((h) => h.production === 0)).toBe(true);
      const continues = aws.calls.filter((c) => c.action === 'ContinueServiceDeployment');
      expect(continues.map((c) => c.params.action)).toEqual(['ROLLBACK']);
      expect(await serviceTaskDefinition(aws, 'prod', 'web')).toBe(seeded.taskDefinitionArn);
      const [error] = run.errors();
      expect(error).toContain('ECS rolled the service back to web:1');
      expect(error).toContain('the test gate failed');
      expect(error).toContain('answered 500');
      expect(error).toContain('The new revision never got production traffic');
      expect(run.summary).toContain('Test gate failed: ROLLBACK');
    } finally {
      await listener.close();
    }
  });

  it('an alarm during bake time rolls the deployment back and the action names it', async () => {
    const seeded = await seedEcsService(aws, {
      ...WEB,
      image: image(1),
      deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5, alarms: ALARMS },
    });
    aws.ecs.nextRollout({
      service: 'web',
      outcome: 'complete',
      native: {
        stageMs: 200,
        minuteMs: 200,
        alarm: { name: 'web-5xx', stage: 'BAKE_TIME', reason: 'Threshold Crossed: 5xx rate 12% > 5%' },
      },
    });

    const run = await deploy(aws, { ...WEB, image: image(2) });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    const [sd] = await aws.ecs.serviceDeployments('web');
    expect(sd?.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(sd?.history.some((h) => h.stage === 'BAKE_TIME' && h.production === 100)).toBe(true);
    const [error] = run.errors();
    expect(error).toContain('CloudWatch alarm web-5xx went into ALARM');
    expect(error).toContain('Threshold Crossed: 5xx rate 12% > 5%');
    expect(error).toContain('had up to 100% of production traffic');
    expect(await serviceTaskDefinition(aws, 'prod', 'web')).toBe(seeded.taskDefinitionArn);
    expect(run.summary).toContain('BLUE_GREEN service deployment: ROLLBACK_SUCCESSFUL');
    // Tasks ECS stopped to roll back are not "failed tasks".
    expect(run.summary).not.toContain('Stopped tasks');
  });

  it('a PAUSE hook nobody continues times out and rolls back; the reason says so', async () => {
    await seedEcsService(aws, {
      ...WEB,
      image: image(1),
      deploymentConfiguration: {
        strategy: 'LINEAR',
        linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 0 },
        alarms: ALARMS,
        lifecycleHooks: [{ ...GATE_HOOK, timeoutConfiguration: { timeoutInMinutes: 2, action: 'ROLLBACK' } }],
      },
    });
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', native: { stageMs: 200, minuteMs: 1000 } });

    const run = await deploy(aws, { ...WEB, image: image(2) });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    expect(run.stdout).toMatch(
      /Paused at POST_TEST_TRAFFIC_SHIFT \(hook [0-9a-f-]+\) awaiting action until .*then ECS will ROLLBACK\. No test-url given/,
    );
    const [error] = run.errors();
    expect(error).toMatch(/lifecycle hook [0-9a-f-]+ timed out \(timeout action ROLLBACK\)/);
    expect(aws.callCount({ action: 'ContinueServiceDeployment' })).toBe(0);
    const [sd] = await aws.ecs.serviceDeployments('web');
    expect(sd?.hooks[0]?.status).toBe('TIMED_OUT');
  });

  it('wait-until production-traffic returns once the bake has started, and says alarms still count', async () => {
    await seedEcsService(aws, {
      ...WEB,
      image: image(1),
      deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 60, alarms: ALARMS },
    });
    // A 60-minute bake lasts 30 s here: the action must not wait for it.
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', native: { stageMs: 200, minuteMs: 500 } });

    const run = await deploy(aws, { ...WEB, image: image(2), 'wait-until': 'production-traffic' });

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    const [sd] = await aws.ecs.serviceDeployments('web');
    expect(sd?.status).toBe('IN_PROGRESS');
    expect(sd?.lifecycleStage).toBe('BAKE_TIME');
    expect(run.stdout).toContain('wait-until: production-traffic');
    expect(run.summary).toContain('alarms can still roll the deployment back');
  });
});

describe('deploy-ecs, native strategies on a stack-managed service', () => {
  // CloudFormation's update of the service starts the service deployment and waits for it to end: the
  // action follows it (and gates it) while the stack update runs.
  it('gates a blue/green rollout through the stack: CONTINUE, the stack update completes', async () => {
    const seeded = await seedStackManagedService(aws, {
      ...WEB,
      image: image(1),
      deploymentConfiguration: GATED_BLUE_GREEN,
    });
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', native: { stageMs: 200, minuteMs: 1000 } });
    const listener = await testListener((td) => (td === seeded.taskDefinitionArn ? V1 : V2));
    try {
      const run = await deploy(aws, {
        ...WEB,
        image: image(2),
        'test-url': listener.url,
        'test-header': `X-Test-Traffic: ${SECRET}`,
        'expect-version': 'v2',
        'wait-until': 'production-traffic',
      });

      expect(run.code, explain(run)).toBe(0);
      expect(run.outputs.status).toBe('deployed');
      expect(run.stdout).toContain(
        '::notice::wait-until: production-traffic does not apply to a service managed by CloudFormation',
      );
      expect(aws.callCount({ service: 'ecs', action: 'UpdateService' })).toBe(0);
      const [sd] = await aws.ecs.serviceDeployments('web');
      expect(sd?.status).toBe('SUCCESSFUL');
      expect(sd?.hooks).toEqual([
        expect.objectContaining({ stage: 'POST_TEST_TRAFFIC_SHIFT', status: 'SUCCEEDED' }),
      ]);
      const continues = aws.calls.filter((c) => c.action === 'ContinueServiceDeployment');
      expect(continues.map((c) => c.params.action)).toEqual(['CONTINUE']);
      expect(aws.cloudformation.operations(seeded.stackName).at(-1)?.status).toBe('UPDATE_COMPLETE');
      // The pause and the bake last long enough for any poll to see them (a 200 ms stage may fall between two).
      expect(stagesLogged(run.stdout)).toEqual(
        expect.arrayContaining(['POST_TEST_TRAFFIC_SHIFT', 'BAKE_TIME']),
      );
      expect(run.summary).toContain('BLUE_GREEN service deployment: SUCCESSFUL');
      expect(run.summary).toContain('Test gate passed: CONTINUE');
      expect(run.leaks(SECRET)).toEqual([]);
    } finally {
      await listener.close();
    }
  });

  it('a PAUSE hook nobody continues: CloudFormation waits until it times out, ECS and the stack roll back', async () => {
    const seeded = await seedStackManagedService(aws, {
      ...WEB,
      image: image(1),
      deploymentConfiguration: {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 0,
        lifecycleHooks: [{ ...GATE_HOOK, timeoutConfiguration: { timeoutInMinutes: 6, action: 'ROLLBACK' } }],
      },
    });
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', native: { stageMs: 200, minuteMs: 500 } });

    const run = await deploy(aws, { ...WEB, image: image(2) });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    const [sd] = await aws.ecs.serviceDeployments('web');
    expect(sd?.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(sd?.hooks).toEqual([expect.objectContaining({ status: 'TIMED_OUT' })]);
    expect(aws.callCount({ action: 'ContinueServiceDeployment' })).toBe(0);
    expect(aws.cloudformation.operations(seeded.stackName).at(-1)?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(await serviceTaskDefinition(aws, 'prod', 'web')).toBe(seeded.taskDefinitionArn);
    const [error] = run.errors();
    expect(error).toMatch(/lifecycle hook [0-9a-f-]+ timed out/);
    expect(error).toContain('stack web-stack rolled back');
    expect(run.stdout).toContain('No test-url given, so deploy-ecs does not act on it');
  });
});
