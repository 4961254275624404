// The deploy role github-oidc.yml creates must allow every AWS call the actions make: the calls are read
// from the actions' own sources (each `new XCommand` with the client package it is imported from), so a new
// call without a matching permission fails here rather than with AccessDenied in a user's first deploy.
import { describe, expect, it } from 'vitest';
import { actionSources, callsInSources } from './calls.js';
import { type Json, loadTemplates } from './load.js';
import { iamStatements } from './rules.js';

/**
 * Calls the role deliberately does not allow, and why. Each is optional for the pipeline this role serves.
 */
const NOT_GRANTED: Record<string, string> = {
  'ecr:CreateRepository':
    'registry.yml creates the repository; build-push creates one only when it is missing',
  'ecr:PutLifecyclePolicy':
    'set by registry.yml with the repository; build-push sets it only on a repository it creates',
  's3:PutObject':
    'only for templates over 51,200 bytes with template-bucket; the bundled templates are smaller',
};

/**
 * Actions the role grants although no SDK command of the actions' sources is named after them, and why:
 * each is authorised as part of another call or made by a tool the actions run. Any other grant that
 * nothing calls fails the test (least privilege both ways).
 */
const GRANTED_WITHOUT_A_COMMAND: Record<string, string> = {
  'iam:PassRole':
    'CreateChangeSet hands CloudFormation the execution role (RoleARN); RegisterTaskDefinition and RunTask hand ECS the task roles',
  'cloudformation:TagResource':
    'CreateChangeSet with stack tags (deploy-stack tags input) is authorised as tag-on-create (cloudformation:CreateAction)',
  'ecr:BatchCheckLayerAvailability': '`docker push` (buildx) checks which layers the repository already has',
  'ecr:InitiateLayerUpload': '`docker push` uploads a layer',
  'ecr:UploadLayerPart': '`docker push` uploads a layer',
  'ecr:CompleteLayerUpload': '`docker push` uploads a layer',
  'ecr:PutImage': '`docker push` writes the manifest and tag',
  'ecr:GetDownloadUrlForLayer': 'buildx pulls cache or base-image layers from the repository',
};

function actionsOf(value: Json | undefined): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function grantedByDeployRole(): Set<string> {
  const granted = new Set<string>();
  for (const { where, statement, trust } of iamStatements(loadTemplates())) {
    if (trust || statement.Effect !== 'Allow' || !where.startsWith('github-oidc.yml DeployRole')) continue;
    for (const action of actionsOf(statement.Action)) granted.add(action);
  }
  return granted;
}

describe('the GitHub deploy role (github-oidc.yml)', () => {
  const calls = callsInSources(actionSources());
  const granted = grantedByDeployRole();

  it('finds the calls the actions make', () => {
    // A floor, so that a broken scan cannot pass by finding nothing.
    for (const call of [
      'cloudformation:CreateChangeSet',
      'ecs:UpdateService',
      'ecr:GetAuthorizationToken',
      'logs:GetLogEvents',
    ])
      expect(calls).toContain(call);
  });

  it('allows every call the actions make, except the documented ones', () => {
    const missing = [...calls].filter((call) => !granted.has(call) && !(call in NOT_GRANTED)).sort();
    expect(missing).toEqual([]);
  });

  it('lists as not granted only calls the actions really make and the role really lacks', () => {
    for (const call of Object.keys(NOT_GRANTED)) {
      expect(calls).toContain(call);
      expect(granted.has(call)).toBe(false);
    }
  });

  it('grants nothing the actions do not use, except the documented ones', () => {
    const unused = [...granted].filter((g) => !calls.has(g) && !(g in GRANTED_WITHOUT_A_COMMAND)).sort();
    expect(unused).toEqual([]);
  });

  it('lists as granted without a command only grants the role really has and no source calls', () => {
    for (const action of Object.keys(GRANTED_WITHOUT_A_COMMAND)) {
      expect(granted.has(action)).toBe(true);
      expect(calls.has(action)).toBe(false);
    }
  });

  it('catches a grant nothing uses', () => {
    const extra = new Set([...granted, 'cloudformation:ListStacks']);
    expect([...extra].filter((g) => !calls.has(g) && !(g in GRANTED_WITHOUT_A_COMMAND))).toEqual([
      'cloudformation:ListStacks',
    ]);
  });

  it('catches a call the role does not allow', () => {
    const extra = callsInSources([]);
    extra.add('ecs:DeleteService');
    expect([...extra].filter((call) => !granted.has(call))).toEqual(['ecs:DeleteService']);
  });
});
