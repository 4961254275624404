export const id = 257;
export const ids = [257];
export const modules = {

/***/ 257:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  RepoClient: () => (/* binding */ RepoClient),
  isTransientGitHubError: () => (/* binding */ isTransientGitHubError),
  statusOf: () => (/* binding */ statusOf)
});

// UNUSED EXPORTS: createOctokit, describeGitHubError, github

// EXTERNAL MODULE: ./node_modules/@actions/github/lib/github.js + 22 modules
var github = __webpack_require__(2413);
// EXTERNAL MODULE: ./actions/lib/errors.ts
var errors = __webpack_require__(2863);
// EXTERNAL MODULE: ./actions/lib/poll.ts
var poll = __webpack_require__(7481);
;// CONCATENATED MODULE: ./actions/lib/http.ts
// HTTP with bounded retries, for Slack and smoke tests: retries 429 (honouring Retry-After), 5xx and
// network errors with back-off; every attempt has its own timeout. Errors name the host only, never the
// full URL, which can carry a secret (a Slack webhook URL is one).


function retryAfterMs(header, now = Date.now()) {
    if (!header)
        return undefined;
    if (/^\d+(\.\d+)?$/.test(header.trim()))
        return Math.round(Number(header) * 1000);
    const date = Date.parse(header);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
async function httpRequest(request) {
    const retries = request.retries ?? 3;
    const maxDelay = request.maxDelayMs ?? 30_000;
    const host = safeHost(request.url);
    let lastReason = '';
    for (let attempt = 1;; attempt++) {
        let delay = Math.min(1000 * 2 ** (attempt - 1), maxDelay);
        try {
            const timeout = AbortSignal.timeout(request.timeoutMs ?? 10_000);
            const response = await fetch(request.url, {
                method: request.method ?? 'GET',
                headers: request.headers,
                body: request.body,
                signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout,
                redirect: 'follow',
            });
            const text = await response.text();
            const retryable = response.status === 429 || response.status >= 500;
            if (!retryable || attempt > retries)
                return { status: response.status, headers: response.headers, text, attempts: attempt };
            lastReason = `HTTP ${response.status}`;
            const after = retryAfterMs(response.headers.get('retry-after'));
            if (after !== undefined)
                delay = Math.min(after, maxDelay);
        }
        catch (error) {
            if (request.signal?.aborted)
                throw request.signal.reason;
            lastReason = describeFetchError(error);
            if (attempt > retries) {
                throw new ActionError(`${host} could not be reached after ${attempt} attempts: ${lastReason}`, {
                    cause: error,
                });
            }
        }
        request.onRetry?.({ attempt, delayMs: delay, reason: lastReason });
        await sleep(delay, request.signal);
    }
}
function safeHost(url) {
    try {
        return new URL(url).host;
    }
    catch {
        return 'the server';
    }
}
function describeFetchError(error) {
    if (error instanceof Error) {
        if (error.name === 'TimeoutError')
            return 'timed out';
        const cause = error.cause;
        if (cause?.code)
            return cause.code;
        return error.message;
    }
    return String(error);
}

;// CONCATENATED MODULE: ./actions/lib/github.ts
// GitHub REST through Octokit (@actions/github): the only module that loads it. Actions import this file
// with `await import()` after their inputs are valid, so a bad input fails before Octokit is even loaded.
// Every call goes through `github()`, which turns Octokit's RequestError into an ActionError that says what
// to do: which `permissions:` entry to grant on a 403, that the token is wrong on a 401, and so on.




/** An Octokit for `baseUrl` (GITHUB_API_URL; GitHub Enterprise Server works the same way). */
function createOctokit(token, options) {
    return (0,github/* getOctokit */.Q)(token, {
        baseUrl: options.baseUrl.replace(/\/+$/, ''),
        userAgent: options.userAgent ?? 'aws-deploy-actions',
        // Octokit's default logger prints request warnings to stderr; keep the step log readable.
        log: { debug: () => { }, info: () => { }, warn: () => { }, error: () => { } },
    });
}
function isRequestError(error) {
    return error instanceof Error && typeof error.status === 'number';
}
function apiMessage(error) {
    const data = error.response?.data;
    if (data && typeof data.message === 'string')
        return data.message;
    return error.message.split('\n')[0] ?? '';
}
function validationDetails(error) {
    const errors = error.response?.data?.errors;
    if (!Array.isArray(errors) || errors.length === 0)
        return undefined;
    return errors
        .map((e) => {
        if (typeof e === 'string')
            return `- ${e}`;
        const item = e;
        return `- ${[item.field, item.code, item.message, item.value === undefined ? undefined : JSON.stringify(item.value)].filter(Boolean).join(': ')}`;
    })
        .join('\n');
}
/** Transient: GitHub 5xx, a network error, or an abuse/secondary rate limit. Worth retrying. */
function isTransientGitHubError(error) {
    if ((0,errors/* isNetworkError */.TX)(error))
        return true;
    if (error instanceof errors/* ActionError */.lZ && error.cause !== undefined)
        return isTransientGitHubError(error.cause);
    if (!isRequestError(error))
        return false;
    return (error.status >= 500 ||
        error.status === 429 ||
        (error.status === 0 && /fetch|network/i.test(error.message)));
}
/** The HTTP status of a GitHub error (also through an ActionError made by `describeGitHubError`). */
function statusOf(error) {
    if (isRequestError(error))
        return error.status;
    if (error instanceof errors/* ActionError */.lZ && error.cause !== undefined)
        return statusOf(error.cause);
    return undefined;
}
/**
 * Describes an error from `operation` (e.g. "create the approval issue") as an ActionError that says what
 * went wrong and what to do. Never includes the token; the raw API message goes to `details`.
 */
function describeGitHubError(operation, error, hints = {}) {
    if (error instanceof errors/* ActionError */.lZ)
        return error;
    if (!isRequestError(error)) {
        if ((0,errors/* isNetworkError */.TX)(error) || (error instanceof Error && /fetch failed/i.test(error.message))) {
            return new errors/* ActionError */.lZ(`Could not ${operation}: GitHub could not be reached (${(0,errors/* messageOf */.bD)(error)})`, {
                hint: 'Check the runner can reach the GitHub API (GITHUB_API_URL, proxy settings) and re-run the job.',
                cause: error,
            });
        }
        return error;
    }
    const status = error.status;
    const message = apiMessage(error);
    const headers = error.response?.headers ?? {};
    const accepted = headers['x-accepted-github-permissions'];
    const details = [
        `- Operation: ${operation}`,
        `- HTTP status: ${status}`,
        message ? `- GitHub said: ${message}` : undefined,
        accepted ? `- Permissions GitHub accepts for this call: ${accepted}` : undefined,
        headers['x-github-request-id'] ? `- Request id: ${headers['x-github-request-id']}` : undefined,
        error.request?.url ? `- Host: ${safeHost(error.request.url)}` : undefined,
        validationDetails(error),
    ]
        .filter(Boolean)
        .join('\n');
    const make = (text, hint) => new errors/* ActionError */.lZ(text, { hint, details, cause: error });
    if (status === 401) {
        return make(`Could not ${operation}: GitHub rejected the token (401 ${message || 'Bad credentials'})`, 'The token is missing, expired or revoked: check the `token` input (default `github.token`).');
    }
    const rateLimited = status === 429 ||
        (status === 403 && (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message)));
    if (rateLimited) {
        return make(`Could not ${operation}: the GitHub API rate limit was exceeded`, 'Wait for the limit to reset (see x-ratelimit-reset) or use a token with a higher limit (a GitHub App).');
    }
    if (status === 403) {
        const permission = hints.permission ?? accepted?.replace(/=/g, ': ');
        const generic = permission
            ? `Grant it to the job's token in the workflow: \`permissions:\` → \`${permission}\`.`
            : 'Grant the token the permission this call needs.';
        return make(`Could not ${operation}: the token is not allowed to (403${permission ? `; it needs ${permission}` : ''})`, hints.forbidden ?? generic);
    }
    if (status === 404) {
        return make(`Could not ${operation}: not found (404)`, hints.notFound ?? 'It does not exist, or the token cannot see it.');
    }
    if (status === 422) {
        return make(`Could not ${operation}: GitHub rejected the request (422 ${message || 'Validation Failed'})`);
    }
    if (status >= 500) {
        return make(`Could not ${operation}: GitHub returned ${status}`, 'GitHub had a problem: re-run the job; if it persists see https://www.githubstatus.com.');
    }
    return make(`Could not ${operation}: GitHub returned ${status}${message ? ` (${message})` : ''}`);
}
/** Runs an Octokit call, retrying transient failures when `hints.retries` is set, and describes any error. */
async function github_github(operation, fn, hints = {}) {
    const retries = hints.retries ?? 0;
    for (let attempt = 0;; attempt++) {
        try {
            return await fn();
        }
        catch (error) {
            if (attempt < retries && isTransientGitHubError(error) && !hints.signal?.aborted) {
                await (0,poll/* sleep */.yy)(Math.min(1000 * 2 ** attempt, 8000), hints.signal);
                continue;
            }
            throw describeGitHubError(operation, error, hints);
        }
    }
}
function toIssue(raw) {
    return {
        number: raw.number,
        html_url: raw.html_url,
        title: raw.title,
        body: raw.body ?? '',
        state: raw.state,
        state_reason: raw.state_reason ?? null,
        created_at: raw.created_at,
        closed_at: raw.closed_at,
        assignees: (raw.assignees ?? []).map((a) => a.login),
        labels: raw.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
    };
}
/** Issues, comments, compare and team membership for one repository, every call error-described. */
class RepoClient {
    octokit;
    owner;
    repo;
    signal;
    constructor(options) {
        this.octokit = createOctokit(options.token, { baseUrl: options.baseUrl });
        this.owner = options.owner;
        this.repo = options.repo;
        this.signal = options.signal;
    }
    get where() {
        return { owner: this.owner, repo: this.repo };
    }
    async createIssue(input) {
        const { data } = await github_github(`open an issue in ${this.owner}/${this.repo}`, () => this.octokit.rest.issues.create({ ...this.where, ...input }), { permission: 'issues: write' });
        return toIssue(data);
    }
    async updateIssue(number, input) {
        const { data } = await github_github(`update issue #${number}`, () => this.octokit.rest.issues.update({ ...this.where, issue_number: number, ...input }), { permission: 'issues: write', retries: 2 });
        return toIssue(data);
    }
    async createComment(number, body) {
        const { data } = await github_github(`comment on issue #${number}`, () => this.octokit.rest.issues.createComment({ ...this.where, issue_number: number, body }), { permission: 'issues: write' });
        return toComment(data);
    }
    /** Every comment on issue `number` updated at or after `since` (all pages), oldest first. */
    async listComments(number, since) {
        const data = await github_github(`read the comments of issue #${number}`, () => this.octokit.paginate(this.octokit.rest.issues.listComments, {
            ...this.where,
            issue_number: number,
            per_page: 100,
            ...(since ? { since } : {}),
        }), { permission: 'issues: read', retries: 2, signal: this.signal });
        return data.map(toComment).sort((a, b) => a.id - b.id);
    }
    /** Issues (not pull requests) in `state` carrying every label in `labels`, newest first, up to `max`. */
    async listIssues(input) {
        const max = input.max ?? 100;
        const found = [];
        await github_github(`list the issues of ${this.owner}/${this.repo}`, async () => {
            for await (const page of this.octokit.paginate.iterator(this.octokit.rest.issues.listForRepo, {
                ...this.where,
                state: input.state,
                ...(input.labels?.length ? { labels: input.labels.join(',') } : {}),
                sort: 'created',
                direction: 'desc',
                per_page: Math.min(max, 100),
            })) {
                for (const raw of page.data)
                    if (!raw.pull_request)
                        found.push(toIssue(raw));
                if (found.length >= max)
                    break;
            }
        }, { permission: 'issues: read', retries: 2, signal: this.signal });
        return found.slice(0, max);
    }
    /** The commits in `head` since `base` (up to `max`; `total_commits` counts them all). */
    async compare(base, head, max = 100) {
        const { data } = await github_github(`compare ${base}...${head}`, () => this.octokit.rest.repos.compareCommitsWithBasehead({
            ...this.where,
            basehead: `${base}...${head}`,
            per_page: Math.min(max, 100),
            page: 1,
        }), {
            permission: 'contents: read',
            retries: 2,
            signal: this.signal,
            notFound: `${base} or ${head} is not in ${this.owner}/${this.repo} (a force-push, or a ref that was never pushed).`,
        });
        return {
            status: data.status,
            total_commits: data.total_commits,
            html_url: data.html_url,
            commits: data.commits.slice(0, max).map((c) => ({
                sha: c.sha,
                message: c.commit.message,
                author: c.author?.login ?? c.commit.author?.name ?? 'unknown',
                authorIsLogin: Boolean(c.author?.login),
                html_url: c.html_url,
                date: c.commit.author?.date,
            })),
        };
    }
    /** Checks a team exists and the token can see it (what reading its membership needs). */
    async getTeam(org, slug, hints = {}) {
        const { data } = await github_github(`read team ${org}/${slug}`, () => this.octokit.rest.teams.getByName({ org, team_slug: slug }), { permission: 'members: read', retries: 2, signal: this.signal, ...hints });
        return { slug: data.slug, html_url: data.html_url };
    }
    /** Whether `login` is an active member of team `org/slug` (a pending invitation is not membership). */
    async isTeamMember(org, slug, login, hints = {}) {
        try {
            const { data } = await github_github(`check whether ${login} is a member of ${org}/${slug}`, () => this.octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login }), { permission: 'members: read', retries: 2, signal: this.signal, ...hints });
            return data.state === 'active';
        }
        catch (error) {
            if (statusOf(error) === 404)
                return false;
            throw error;
        }
    }
}
function toComment(raw) {
    return {
        id: raw.id,
        body: raw.body ?? '',
        user: raw.user ? { login: raw.user.login, type: raw.user.type ?? 'User' } : null,
        html_url: raw.html_url,
        created_at: raw.created_at,
        updated_at: raw.updated_at,
    };
}


/***/ })

};
