// What the e2e scenario files share: one set of local endpoints per file, reset before each scenario, and
// the lookups their assertions use (a job, a step, the versions of the run's Slack message).
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import {
  APPROVER,
  describeRun,
  type Endpoints,
  resetEndpoints,
  SLACK_CHANNEL,
  startEndpoints,
  stopEndpoints,
} from './environment.js';
import type { JobRecord, WorkflowRun } from './runner.js';

export const SCENARIO_TIMEOUT_MS = 360_000;

/**
 * The endpoints of this test file: started once, reset (then `setup`) before each scenario. The object is
 * filled in by beforeAll and kept current by the reset, so read it inside tests only.
 */
export function useEndpoints(setup?: (endpoints: Endpoints) => void): Endpoints {
  const endpoints = {} as Endpoints;
  beforeAll(async () => {
    Object.assign(endpoints, await startEndpoints());
  }, 120_000);
  afterAll(async () => {
    if (endpoints.aws) await stopEndpoints(endpoints);
  });
  beforeEach(async () => {
    await resetEndpoints(endpoints);
    setup?.(endpoints);
  });
  return endpoints;
}

export function job(run: WorkflowRun, id: string): JobRecord {
  const record = run.jobs[id];
  if (!record) throw new Error(`no job ${id} in the run`);
  return record;
}

/** A step by its id, or by the action it runs (`action:approve`). */
export function step(record: JobRecord, id: string) {
  const found = record.steps.find((s) => s.id === id || `action:${s.action}` === id);
  if (!found) throw new Error(`no step ${id} in job ${record.id}`);
  return found;
}

/** Every version of the run's (first) message, oldest first: its edit history, then what it shows now. */
export function messageVersions(endpoints: Endpoints): string[] {
  const [message] = endpoints.slack.messages(SLACK_CHANNEL);
  if (!message) return [];
  const render = (v: { text: string; blocks?: unknown[] }) => `${v.text}\n${JSON.stringify(v.blocks ?? [])}`;
  return [...message.edits.map(render), render(message)];
}

/**
 * A run whose production job the required reviewer rejected: staging deployed, production failed without
 * running a step, and no production stack was touched.
 */
export function expectProductionRejected(run: WorkflowRun, endpoints: Endpoints): void {
  const summary = describeRun(run);
  expect(job(run, 'staging').result, summary).toBe('success');
  expect(job(run, 'production').result, summary).toBe('failure');
  expect(job(run, 'production').review).toEqual({ state: 'rejected', reviewer: APPROVER });
  expect(job(run, 'production').steps).toEqual([]);
  for (const layer of ['network', 'database', 'service'])
    expect(endpoints.aws.cloudformation.operations(`production-${layer}`), layer).toEqual([]);
  expect(run.result).toBe('failure');
}
