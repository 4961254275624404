// The e2e runner itself, on small workflows of run: steps and stand-ins: needs order, job and step
// conditions with the status functions, outputs through GITHUB_OUTPUT, GITHUB_ENV, secrets kept out of job
// outputs, environments, concurrency, permissions, workflow_call inputs and outputs.
import { describe, expect, it } from 'vitest';
import { callInputs, evaluateJobCondition, jobOrder, runWorkflow } from './runner.js';

const WORKFLOW = `
name: sample
on:
  workflow_call:
    inputs:
      who: { type: string, required: true }
      count: { type: number, default: 2 }
      fail-in: { type: string, default: '' }
    secrets:
      token: { required: false }
    outputs:
      greeting:
        value: \${{ jobs.a.outputs.greeting }}
      e-ran:
        value: \${{ jobs.e.result }}
env:
  HAS_TOKEN: \${{ secrets.token != '' }}
jobs:
  a:
    runs-on: ubuntu-latest
    concurrency:
      group: sample-\${{ inputs.who }}
      cancel-in-progress: true
    environment:
      name: env-\${{ inputs.who }}
      url: \${{ steps.hi.outputs.url }}
    outputs:
      greeting: \${{ steps.hi.outputs.text }}
      leaked: \${{ steps.hi.outputs.secret }}
      after: \${{ steps.after.outputs.ran }}
    steps:
      - id: hi
        env:
          WHO: \${{ inputs.who }}
        run: |
          echo "text=hello $WHO x\${{ inputs.count }} token:$HAS_TOKEN" >> "$GITHUB_OUTPUT"
          echo "secret=\${{ secrets.token }}" >> "$GITHUB_OUTPUT"
          echo "url=https://\${{ inputs.who }}.example" >> "$GITHUB_OUTPUT"
          echo "FROM_A=1" >> "$GITHUB_ENV"
      - run: test "$FROM_A" = 1 && test "\${{ env.FROM_A }}" = 1
      - if: inputs.fail-in == 'a'
        run: exit 3
      - id: skipped-when-failed
        run: echo "ran=yes" >> "$GITHUB_OUTPUT"
      - id: after
        if: failure()
        run: echo "ran=yes" >> "$GITHUB_OUTPUT"
  b:
    needs: a
    runs-on: ubuntu-latest
    outputs:
      seen: \${{ steps.read.outputs.seen }}
    steps:
      - id: read
        run: echo "seen=\${{ needs.a.outputs.greeting }}" >> "$GITHUB_OUTPUT"
  d:
    needs: b
    if: inputs.count > 1
    runs-on: ubuntu-latest
    steps:
      - run: echo d
  e:
    needs: [a, d]
    if: always() && needs.d.result == 'skipped'
    runs-on: ubuntu-latest
    steps:
      - run: echo e
  creds:
    needs: a
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    outputs:
      account: \${{ steps.aws.outputs.aws-account-id }}
      region: \${{ steps.region.outputs.region }}
    steps:
      - id: aws
        uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::210987654321:role/deploy
          aws-region: eu-west-1
      - id: region
        run: echo "region=$AWS_REGION" >> "$GITHUB_OUTPUT"
  no-oidc:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::210987654321:role/deploy
          aws-region: eu-west-1
`;

describe('jobOrder', () => {
  it('orders jobs after what they need, file order otherwise', () => {
    expect(jobOrder({ c: { needs: ['b'] }, a: {}, b: { needs: 'a' }, d: {} })).toEqual(['a', 'b', 'c', 'd']);
  });

  it('rejects a cycle and an unknown need', () => {
    expect(() => jobOrder({ a: { needs: 'b' }, b: { needs: 'a' } })).toThrow(/cycle/);
    expect(() => jobOrder({ a: { needs: 'x' } })).toThrow(/needs x/);
  });
});

describe('callInputs', () => {
  it('applies defaults and types, and rejects undeclared or missing required inputs', () => {
    const declared = {
      a: { type: 'number', default: 2 },
      b: { type: 'string', required: true },
      c: { type: 'boolean' },
    };
    expect(callInputs(declared, { b: 'x', a: '5' })).toEqual({ a: 5, b: 'x', c: false });
    expect(() => callInputs(declared, {})).toThrow(/b is required/);
    expect(() => callInputs(declared, { b: 'x', z: 1 })).toThrow(/z is not defined/);
    expect(() => callInputs(declared, { b: 'x', a: 'many' })).toThrow(/not a number/);
  });
});

describe('evaluateJobCondition', () => {
  it('skips after a failed or skipped need unless a status function says otherwise', () => {
    expect(evaluateJobCondition(undefined, {}, ['success'])).toBe(true);
    expect(evaluateJobCondition(undefined, {}, ['skipped'])).toBe(false);
    expect(evaluateJobCondition("github.x == 'y'", { github: { x: 'y' } }, ['failure'])).toBe(false);
    expect(evaluateJobCondition('always()', {}, ['failure'])).toBe(true);
    expect(evaluateJobCondition('failure()', {}, ['skipped'])).toBe(false);
    expect(evaluateJobCondition('failure()', {}, ['success', 'failure'])).toBe(true);
    expect(evaluateJobCondition('success()', {}, ['skipped'])).toBe(false);
    expect(evaluateJobCondition('!cancelled()', {}, ['failure'])).toBe(true);
  });
});

describe('runWorkflow', () => {
  it('runs the jobs in needs order with their conditions, outputs and environment', async () => {
    const run = await runWorkflow({
      workflow: 'sample.yml',
      text: WORKFLOW,
      inputs: { who: 'ann' },
      secrets: { token: 'sekret-value' },
      stepTimeoutMs: 20_000,
    });
    expect(run.order).toEqual(['a', 'b', 'd', 'e', 'creds', 'no-oidc']);
    const { a, b, d, e, creds } = run.jobs;
    expect(a?.result).toBe('success');
    expect(a?.outputs.greeting).toBe('hello ann x2 token:true');
    // GitHub drops a job output that holds a secret.
    expect(a?.outputs.leaked).toBe('');
    expect(a?.warnings).toContain("Skip output 'leaked' since it may contain secret.");
    expect(a?.outputs.after).toBe('');
    expect(a?.steps.map((s) => s.conclusion)).toEqual([
      'success',
      'success',
      'skipped',
      'success',
      'skipped',
    ]);
    expect(a?.environment).toEqual({ name: 'env-ann', url: 'https://ann.example' });
    expect(a?.concurrency).toEqual({ group: 'sample-ann', cancelInProgress: true });
    expect(b?.outputs.seen).toBe('hello ann x2 token:true');
    expect(d?.result).toBe('success');
    expect(e?.result).toBe('skipped');
    expect(creds?.outputs).toEqual({ account: '210987654321', region: 'eu-west-1' });
    expect(run.jobs['no-oidc']?.result).toBe('failure');
    expect(run.jobs['no-oidc']?.steps[0]?.errors.join()).toMatch(/id-token/);
    expect(run.outputs).toEqual({ greeting: 'hello ann x2 token:true', 'e-ran': 'skipped' });
    expect(run.result).toBe('failure');
  }, 60_000);

  it('fails a job at its failing step, runs failure() steps, and skips what needs it', async () => {
    const run = await runWorkflow({
      workflow: 'sample.yml',
      text: WORKFLOW,
      inputs: { who: 'bo', count: 1, 'fail-in': 'a' },
      stepTimeoutMs: 20_000,
    });
    const { a, b, d, e, creds } = run.jobs;
    expect(a?.result).toBe('failure');
    expect(a?.steps.map((s) => s.conclusion)).toEqual([
      'success',
      'success',
      'failure',
      'skipped',
      'success',
    ]);
    expect(a?.steps[2]?.exitCode).toBe(3);
    expect(a?.outputs.after).toBe('yes');
    expect(a?.outputs.greeting).toBe('hello bo x1 token:false');
    expect(b?.result).toBe('skipped');
    expect(b?.outputs).toEqual({});
    expect(d?.result).toBe('skipped');
    // always(): runs although a failed, and d was skipped.
    expect(e?.result).toBe('success');
    expect(creds?.result).toBe('skipped');
    expect(run.outputs['e-ran']).toBe('success');
    expect(run.result).toBe('failure');
  }, 60_000);

  it('rejects a call with an undeclared input or secret, or without a required input', async () => {
    await expect(runWorkflow({ workflow: 'sample.yml', text: WORKFLOW, inputs: {} })).rejects.toThrow(
      /who is required/,
    );
    await expect(
      runWorkflow({ workflow: 'sample.yml', text: WORKFLOW, inputs: { who: 'x', whom: 'y' } }),
    ).rejects.toThrow(/whom is not defined/);
    await expect(
      runWorkflow({ workflow: 'sample.yml', text: WORKFLOW, inputs: { who: 'x' }, secrets: { tokn: 'x' } }),
    ).rejects.toThrow(/tokn is not defined/);
  });

  it("rejects what GitHub's parser rejects", async () => {
    await expect(
      runWorkflow({ workflow: 'bad.yml', text: 'on: push\njobs:\n  a:\n    runs-on: x\n    step: []\n' }),
    ).rejects.toThrow(/not a valid workflow/);
  });
});

describe('environment protection rules and repository secrets', () => {
  const GATED = `
name: gated
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    outputs:
      token-set: \${{ steps.s.outputs.set }}
    steps:
      - id: s
        run: echo "set=\${{ secrets.SLACK_BOT_TOKEN != '' }}" >> "$GITHUB_OUTPUT"
  after:
    needs: deploy
    runs-on: ubuntu-latest
    steps:
      - run: echo after
`;

  it('runs a job after its environment approves it, and gives a push workflow every repository secret', async () => {
    const asked: string[] = [];
    const run = await runWorkflow({
      workflow: 'gated.yml',
      text: GATED,
      secrets: { SLACK_BOT_TOKEN: 'xoxb-secret-value' },
      environmentGate: ({ environment }) => {
        asked.push(environment);
        return { state: 'approved', reviewer: 'alice' };
      },
    });
    expect(asked).toEqual(['production']);
    expect(run.jobs.deploy?.result).toBe('success');
    expect(run.jobs.deploy?.review).toEqual({ state: 'approved', reviewer: 'alice' });
    expect(run.jobs.deploy?.outputs['token-set']).toBe('true');
    expect(run.jobs.after?.result).toBe('success');
  });

  it('fails a rejected or never-reviewed job without running a step, and skips what needs it', async () => {
    for (const decision of [
      { state: 'rejected', reviewer: 'alice' } as const,
      { state: 'expired' } as const,
    ]) {
      const run = await runWorkflow({ workflow: 'gated.yml', text: GATED, environmentGate: () => decision });
      expect(run.jobs.deploy?.result).toBe('failure');
      expect(run.jobs.deploy?.steps).toEqual([]);
      expect(run.jobs.deploy?.review).toEqual(decision);
      expect(run.jobs.after?.result).toBe('skipped');
      expect(run.result).toBe('failure');
    }
  });
});
