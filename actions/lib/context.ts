// The run's GitHub context, read from the runner's environment without loading Octokit.

export interface RunContext {
  repository: string;
  owner: string;
  repo: string;
  sha: string;
  ref: string;
  actor: string;
  workflow: string;
  job: string;
  runId: string;
  runAttempt: string;
  serverUrl: string;
  apiUrl: string;
  eventName: string;
  /** The link to this workflow run. */
  runUrl: string;
  /** The link to the commit being built. */
  commitUrl: string;
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner = '', repo = ''] = repository.split('/');
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  const runId = env.GITHUB_RUN_ID ?? '';
  const sha = env.GITHUB_SHA ?? '';
  return {
    repository,
    owner,
    repo,
    sha,
    ref: env.GITHUB_REF ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    workflow: env.GITHUB_WORKFLOW ?? '',
    job: env.GITHUB_JOB ?? '',
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    serverUrl,
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    eventName: env.GITHUB_EVENT_NAME ?? '',
    runUrl: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : '',
    commitUrl: repository && sha ? `${serverUrl}/${repository}/commit/${sha}` : '',
  };
}
