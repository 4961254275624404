// The approve action's inputs, parsed and checked once, before any API call.
import { mask } from '../../lib/core.js';
import { type InputReader, type InputSource, parseInputs, splitList } from '../../lib/inputs.js';

export interface Approvers {
  /** User logins, as written (without `@`), deduplicated case-insensitively. */
  users: string[];
  /** Teams as `org/slug`. */
  teams: Array<{ org: string; slug: string }>;
}

export interface Inputs {
  /**
   * `issue`: open an approval issue and wait for approvers. `environment`: check that `environment` has
   * required reviewers (GitHub's own gate then holds the job that names it) and fail otherwise.
   */
  gate: 'issue' | 'environment';
  /** With gate environment: an environment without required reviewers is a warning, not a failure. */
  allowUnprotected: boolean;
  approvers: Approvers;
  minimumApprovals: number;
  excludeInitiator: boolean;
  /** Lower case, trailing punctuation removed. */
  approveWords: string[];
  denyWords: string[];
  timeoutMs: number;
  pollMs: number;
  environment: string;
  version?: string;
  image?: string;
  summary?: string;
  previousRef?: string;
  label: string;
  token: string;
  /** GITHUB_TRIGGERING_ACTOR, else GITHUB_ACTOR. */
  initiator: string;
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const TEAM = /^([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})\/([A-Za-z0-9][A-Za-z0-9._-]{0,99})$/;

/** How a decision word is compared: lower case, surrounding space and trailing punctuation removed. */
export function normalizeWord(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[\s.!?,;:…]+$/u, '')
    .trim();
}

function parseApprovers(input: InputReader): Approvers {
  const users: string[] = [];
  const teams: Array<{ org: string; slug: string }> = [];
  const seen = new Set<string>();
  const entries = input.list('approvers');
  if (entries.length === 0) {
    input.problem(
      'approvers',
      'is required; give at least one GitHub login or org/team (comma or newline separated)',
    );
  }
  for (const entry of entries) {
    const value = entry.replace(/^@/, '');
    const key = value.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const team = TEAM.exec(value);
    if (team) teams.push({ org: team[1] as string, slug: team[2] as string });
    else if (LOGIN.test(value)) users.push(value);
    else
      input.problem(
        'approvers',
        `"${entry}" is neither a GitHub login (e.g. octocat) nor a team (e.g. acme/deployers)`,
      );
  }
  return { users, teams };
}

function parseWords(input: InputReader, name: string, fallback: string): string[] {
  const raw = input.optional(name) ?? fallback;
  const words = [...new Set(splitList(raw).map(normalizeWord).filter(Boolean))];
  if (words.length === 0) input.problem(name, 'is empty; give at least one word (comma separated)');
  return words;
}

export function readInputs(source?: InputSource, env: NodeJS.ProcessEnv = process.env): Inputs {
  return parseInputs(
    'approve',
    (input) => {
      const token = input.optional('token');
      mask(token);
      if (!token) {
        input.problem(
          'token',
          'is empty; the default (the workflow token, github.token) was not available: pass a token',
        );
      }
      const gate = input.oneOf('gate', ['issue', 'environment'] as const, 'issue');
      const allowUnprotected = input.boolean('allow-unprotected', false);
      // The environment check asks no one: approvers belong to the issue gate only.
      const approvers = gate === 'issue' ? parseApprovers(input) : { users: [], teams: [] };
      const minimumApprovals = input.integer('minimum-approvals', { fallback: 1, min: 1, max: 100 }) ?? 1;
      const excludeInitiator = input.boolean('exclude-initiator', false);
      const initiator = env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || '';
      const approveWords = parseWords(input, 'approve-words', 'approve, approved, lgtm, yes');
      const denyWords = parseWords(input, 'deny-words', 'deny, denied, no');
      const overlap = approveWords.filter((w) => denyWords.includes(w));
      if (overlap.length > 0) {
        input.problem(
          'deny-words',
          `${overlap.join(', ')} is also in approve-words; a word can only mean one thing`,
        );
      }
      if (approvers.teams.length === 0 && approvers.users.length > 0) {
        const eligible = approvers.users.filter(
          (u) => !(excludeInitiator && u.toLowerCase() === initiator.toLowerCase()),
        );
        if (eligible.length === 0) {
          input.problem(
            'approvers',
            `only the initiator (${initiator}) is listed and exclude-initiator is true: add another approver`,
          );
        } else if (minimumApprovals > eligible.length) {
          input.problem(
            'minimum-approvals',
            `${minimumApprovals} is more than the ${eligible.length} approver(s) who can approve (${eligible.join(', ')}${excludeInitiator ? `; the initiator ${initiator} is excluded` : ''})`,
          );
        }
      }
      const timeoutMs = input.duration('timeout-minutes', {
        unit: 'minutes',
        fallback: 60 * 60_000,
        min: 1000,
        max: 24 * 3600_000,
      });
      const pollInput = input.duration('poll-seconds', {
        unit: 'seconds',
        fallback: 10_000,
        min: 100,
        max: 600_000,
      });
      // The suite-wide override for tests and debugging wins, as it does for every other wait.
      const override = Number(env.DEPLOY_ACTIONS_POLL_INTERVAL_MS);
      const pollMs = Number.isFinite(override) && override > 0 ? override : pollInput;
      const environment = input.optional('environment') ?? 'production';
      const label =
        input.matching('label', /^[^,]{1,50}$/, 'a label name of up to 50 characters without commas') ??
        'deploy-approval';
      const previousRef = input.matching(
        'previous-ref',
        /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/,
        'a commit SHA, tag or branch name',
      );
      return {
        gate,
        allowUnprotected,
        approvers,
        minimumApprovals,
        excludeInitiator,
        approveWords,
        denyWords,
        timeoutMs,
        pollMs,
        environment,
        version: input.optional('version'),
        image: input.optional('image'),
        summary: input.optional('summary'),
        previousRef,
        label,
        token: token ?? '',
        initiator,
      };
    },
    source,
  );
}
