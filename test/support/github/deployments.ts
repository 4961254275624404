// Deployments and deployment statuses for the local GitHub endpoint, with the request and response shapes
// and the rules of GitHub's REST reference (https://docs.github.com/rest/deployments/deployments and
// https://docs.github.com/rest/deployments/statuses):
// - POST /deployments: `ref` (a branch, tag or SHA; 422 "No ref found for: …" otherwise), `task` (default
//   `deploy`), `environment` (default `production`), `production_environment` (default true only for an
//   environment named `production`), `transient_environment` (default false), `payload` (an object or a JSON
//   text), `description`. `required_contexts` omitted → every commit-status context of the ref must be
//   `success` (409 "Conflict: Commit status checks failed for <ref>." otherwise); `[]` skips the check.
//   `auto_merge` (default true) merges the default branch into a branch ref that is behind it, and answers
//   202 with a message instead of creating a deployment.
// - GET /deployments filters on sha, ref, task and environment, newest first.
// - POST /deployments/{id}/statuses: `state` one of error, failure, inactive, in_progress, queued, pending,
//   success; `log_url` sets `target_url` too; `description` at most 140 characters; `environment` moves the
//   deployment (original_environment stays); `auto_inactive` (default true): a new `success` status adds an
//   `inactive` status to every prior deployment of the same repository and environment that is
//   non-transient and non-production and whose latest status is `success` ("Inactive deployments" in the
//   deployment statuses reference). GitHub does NOT do this for production environments, so a deploy system
//   has to mark the previous production deployment inactive itself.
// Both need the `deployments` permission (read to list, write to create).
import { HttpError, nodeId, timestamp } from './http.js';

export type DeploymentState =
  | 'error'
  | 'failure'
  | 'inactive'
  | 'in_progress'
  | 'queued'
  | 'pending'
  | 'success';

const STATES: DeploymentState[] = [
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
];

const DOCS = 'https://docs.github.com/rest/deployments';

interface Account {
  login: string;
  id: number;
  type: string;
}

export interface Deployment {
  url: string;
  id: number;
  node_id: string;
  sha: string;
  ref: string;
  task: string;
  payload: Record<string, unknown> | string;
  original_environment: string;
  environment: string;
  description: string | null;
  creator: Account;
  created_at: string;
  updated_at: string;
  statuses_url: string;
  repository_url: string;
  transient_environment: boolean;
  production_environment: boolean;
  performed_via_github_app: null;
}

export interface DeploymentStatus {
  url: string;
  id: number;
  node_id: string;
  state: DeploymentState;
  creator: Account;
  description: string;
  environment: string;
  target_url: string;
  log_url: string;
  environment_url: string;
  created_at: string;
  updated_at: string;
  deployment_url: string;
  repository_url: string;
  performed_via_github_app: null;
}

export interface ResolvedRef {
  sha: string;
  /** The branch name when `ref` named one. */
  branch?: string;
  /** Whether that branch is behind the default branch (what auto_merge would merge). */
  behindDefault: boolean;
}

export interface DeploymentDeps {
  apiUrl(): string;
  repository: string;
  defaultBranch: string;
  nextId(): number;
  resolve(ref: string): ResolvedRef | undefined;
  paginate<T>(query: URL, items: T[]): { page: T[]; link?: string };
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function invalid(field: string, code = 'invalid', message?: string, resource = 'Deployment'): HttpError {
  return new HttpError(422, 'Validation Failed', {
    errors: [{ resource, code, field, ...(message ? { message } : {}) }],
  });
}

/** The deployments of one repository, and the routes under /repos/{owner}/{repo}/deployments. */
export class DeploymentStore {
  readonly deployments: Deployment[] = [];
  private readonly statuses = new Map<number, DeploymentStatus[]>();
  /** Commit statuses by SHA: context → state (the latest for each context). */
  private readonly commitStatuses = new Map<string, Map<string, string>>();

  constructor(private readonly deps: DeploymentDeps) {}

  setCommitStatus(sha: string, context: string, state: 'error' | 'failure' | 'pending' | 'success') {
    const map = this.commitStatuses.get(sha) ?? new Map<string, string>();
    map.set(context, state);
    this.commitStatuses.set(sha, map);
  }

  /** Statuses of deployment `id`, newest first (as GitHub lists them). */
  statusesOf(id: number): DeploymentStatus[] {
    return [...(this.statuses.get(id) ?? [])].reverse();
  }

  /** The state of the latest status, or undefined for a deployment without statuses. */
  latestState(id: number): DeploymentState | undefined {
    return this.statuses.get(id)?.at(-1)?.state;
  }

  /** Handles `rest` (the path after /repos/{o}/{r}), or returns undefined when it is not a deployments path. */
  route(
    method: string,
    rest: string,
    query: URL,
    body: Record<string, unknown>,
    caller: Account,
    require: (level: 'read' | 'write', docs: string) => void,
  ): Reply | undefined {
    if (rest === '/deployments' && method === 'GET') {
      require('read', `${DOCS}/deployments#list-deployments`);
      const filters = ['sha', 'ref', 'task', 'environment'] as const;
      const list = this.deployments
        .filter((d) => filters.every((f) => !query.searchParams.has(f) || d[f] === query.searchParams.get(f)))
        .sort((a, b) => b.id - a.id);
      return this.page(query, list);
    }
    if (rest === '/deployments' && method === 'POST') {
      require('write', `${DOCS}/deployments#create-a-deployment`);
      return this.create(body, caller);
    }
    const one = /^\/deployments\/(\d+)(\/statuses(?:\/(\d+))?)?$/.exec(rest);
    if (!one) return undefined;
    const id = Number(one[1]);
    const deployment = this.deployments.find((d) => d.id === id);
    if (!one[2]) {
      if (method !== 'GET') return undefined;
      require('read', `${DOCS}/deployments#get-a-deployment`);
      if (!deployment) throw new HttpError(404, 'Not Found');
      return { status: 200, body: deployment };
    }
    if (method === 'GET') {
      require('read', `${DOCS}/statuses#list-deployment-statuses`);
      if (!deployment) throw new HttpError(404, 'Not Found');
      if (one[3] !== undefined) {
        const found = this.statuses.get(id)?.find((s) => s.id === Number(one[3]));
        if (!found) throw new HttpError(404, 'Not Found');
        return { status: 200, body: found };
      }
      return this.page(query, this.statusesOf(id));
    }
    if (method === 'POST' && one[3] === undefined) {
      require('write', `${DOCS}/statuses#create-a-deployment-status`);
      if (!deployment) throw new HttpError(404, 'Not Found');
      return this.createStatus(deployment, body, caller);
    }
    return undefined;
  }

  private page<T>(query: URL, items: T[]): Reply {
    const { page, link } = this.deps.paginate(query, items);
    return { status: 200, body: page, headers: link ? { link } : {} };
  }

  private create(body: Record<string, unknown>, caller: Account): Reply {
    const { ref } = body;
    if (typeof ref !== 'string' || ref === '') throw invalid('ref', 'missing_field');
    for (const flag of ['auto_merge', 'transient_environment', 'production_environment'] as const) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean') throw invalid(flag);
    }
    if (body.environment !== undefined && (typeof body.environment !== 'string' || body.environment === ''))
      throw invalid('environment');
    if (body.task !== undefined && typeof body.task !== 'string') throw invalid('task');
    if (body.description !== undefined && body.description !== null && typeof body.description !== 'string')
      throw invalid('description');
    let payload: Record<string, unknown> | string = {};
    if (typeof body.payload === 'string') {
      // A JSON text: GitHub stores and returns it parsed when it is an object.
      try {
        const parsed = JSON.parse(body.payload) as unknown;
        payload = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : body.payload;
      } catch {
        throw invalid('payload');
      }
    } else if (body.payload !== undefined && body.payload !== null) {
      if (typeof body.payload !== 'object' || Array.isArray(body.payload)) throw invalid('payload');
      payload = body.payload as Record<string, unknown>;
    }
    const resolved = this.deps.resolve(ref);
    if (!resolved) throw new HttpError(422, `No ref found for: ${ref}`);
    if (body.auto_merge !== false && resolved.branch && resolved.behindDefault) {
      return {
        status: 202,
        body: { message: `Auto-merged ${this.deps.defaultBranch} into ${resolved.branch} on deployment.` },
      };
    }
    if (body.required_contexts !== undefined && !Array.isArray(body.required_contexts))
      throw invalid('required_contexts');
    const submitted = this.commitStatuses.get(resolved.sha) ?? new Map<string, string>();
    const required = Array.isArray(body.required_contexts)
      ? body.required_contexts.map(String)
      : [...submitted.keys()];
    const failing = required.filter((context) => submitted.get(context) !== 'success');
    if (failing.length > 0) {
      throw new HttpError(409, `Conflict: Commit status checks failed for ${ref}.`, {
        errors: [
          {
            contexts: required.map((context) => ({ context, state: submitted.get(context) ?? 'missing' })),
            resource: 'Deployment',
            field: 'required_contexts',
            code: 'invalid',
          },
        ],
      });
    }
    const environment = (body.environment as string | undefined) ?? 'production';
    const id = this.deps.nextId();
    const now = timestamp();
    const api = `${this.deps.apiUrl()}/repos/${this.deps.repository}`;
    const deployment: Deployment = {
      url: `${api}/deployments/${id}`,
      id,
      node_id: nodeId('Deployment', id),
      sha: resolved.sha,
      ref,
      task: (body.task as string | undefined) ?? 'deploy',
      payload,
      original_environment: environment,
      environment,
      description: (body.description as string | null | undefined) ?? '',
      creator: caller,
      created_at: now,
      updated_at: now,
      statuses_url: `${api}/deployments/${id}/statuses`,
      repository_url: api,
      transient_environment: (body.transient_environment as boolean | undefined) ?? false,
      production_environment:
        (body.production_environment as boolean | undefined) ?? environment === 'production',
      performed_via_github_app: null,
    };
    this.deployments.push(deployment);
    return { status: 201, body: deployment, headers: { location: deployment.url } };
  }

  private createStatus(deployment: Deployment, body: Record<string, unknown>, caller: Account): Reply {
    const state = body.state;
    if (state === undefined) throw statusInvalid('state', 'missing_field');
    if (!STATES.includes(state as DeploymentState)) throw statusInvalid('state');
    for (const field of ['log_url', 'target_url', 'environment_url', 'description', 'environment'] as const) {
      if (body[field] !== undefined && typeof body[field] !== 'string') throw statusInvalid(field);
    }
    if (body.auto_inactive !== undefined && typeof body.auto_inactive !== 'boolean')
      throw statusInvalid('auto_inactive');
    const description = (body.description as string | undefined) ?? '';
    if (description.length > 140) {
      throw statusInvalid('description', 'custom', 'description is too long (maximum is 140 characters)');
    }
    if (typeof body.environment === 'string' && body.environment !== '') {
      deployment.environment = body.environment;
    }
    const logUrl = (body.log_url as string | undefined) ?? (body.target_url as string | undefined) ?? '';
    const status = this.addStatus(deployment, caller, {
      state: state as DeploymentState,
      description,
      log_url: logUrl,
      environment_url: (body.environment_url as string | undefined) ?? '',
    });
    if (status.state === 'success' && body.auto_inactive !== false) {
      for (const prior of this.deployments) {
        if (
          prior.id < deployment.id &&
          prior.environment === deployment.environment &&
          !prior.transient_environment &&
          !prior.production_environment &&
          this.latestState(prior.id) === 'success'
        ) {
          this.addStatus(prior, caller, {
            state: 'inactive',
            description: '',
            log_url: '',
            environment_url: '',
          });
        }
      }
    }
    return { status: 201, body: status, headers: { location: status.url } };
  }

  private addStatus(
    deployment: Deployment,
    caller: Account,
    fields: Pick<DeploymentStatus, 'state' | 'description' | 'log_url' | 'environment_url'>,
  ): DeploymentStatus {
    const id = this.deps.nextId();
    const now = timestamp();
    const status: DeploymentStatus = {
      url: `${deployment.url}/statuses/${id}`,
      id,
      node_id: nodeId('DeploymentStatus', id),
      state: fields.state,
      creator: caller,
      description: fields.description,
      environment: deployment.environment,
      target_url: fields.log_url,
      log_url: fields.log_url,
      environment_url: fields.environment_url,
      created_at: now,
      updated_at: now,
      deployment_url: deployment.url,
      repository_url: deployment.repository_url,
      performed_via_github_app: null,
    };
    const list = this.statuses.get(deployment.id) ?? [];
    list.push(status);
    this.statuses.set(deployment.id, list);
    deployment.updated_at = now;
    return status;
  }
}

function statusInvalid(field: string, code = 'invalid', message?: string): HttpError {
  return invalid(field, code, message, 'DeploymentStatus');
}
