// The slack-notify bundle against the local Slack endpoint: one message updated in place, thread replies,
// webhooks, rate limits and outages, clear errors, hostile text, and no leaked secrets.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalGitHub } from '../../support/github/index.js';
import { type ActionRun, type RunOptions, runAction } from '../../support/harness.js';
import { type LocalSlack, type SlackMessage, startLocalSlack } from '../../support/slack/index.js';

const TOKEN = 'xoxb-1111-2222-notifyTestTokenSecret';
let slack: LocalSlack;

beforeEach(async () => {
  slack = await startLocalSlack({ tokens: [TOKEN], channels: [{ name: 'deploys', id: 'C0DEPLOYS' }] });
});

afterEach(async () => {
  await slack.stop();
});

function notify(inputs: RunOptions['inputs'], options: Omit<RunOptions, 'inputs'> = {}): Promise<ActionRun> {
  return runAction('slack-notify', {
    ...options,
    inputs,
    env: { SLACK_API_URL: slack.apiUrl, ...options.env },
  });
}

const webApi = (inputs: RunOptions['inputs']) =>
  notify({ 'bot-token': TOKEN, channel: '#deploys', ...inputs });

interface AnyBlock {
  type: string;
  text?: { type: string; text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ text: string }>;
}

/** Every text of a message's blocks. */
function texts(message: { blocks?: unknown[] } | undefined): string[] {
  return ((message?.blocks ?? []) as AnyBlock[]).flatMap((b) => [
    ...(b.text ? [b.text.text] : []),
    ...(b.fields ?? []).map((f) => f.text),
    ...(b.elements ?? []).map((e) => e.text),
  ]);
}

function headerOf(message: SlackMessage | undefined): string {
  return ((message?.blocks ?? []) as AnyBlock[]).find((b) => b.type === 'header')?.text?.text ?? '';
}

function expectNoLeak(run: ActionRun, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(run.leaks(secret)).toEqual([]);
    expect(run.masked).toContain(secret);
  }
}

describe('slack-notify: Web API', () => {
  it('posts once, then updates the same message as the run moves on', async () => {
    const started = await webApi({
      status: 'started',
      stage: 'build',
      stages: 'test=succeeded, build=running',
      version: 'v1.4.0',
    });
    expect(started.errors()).toEqual([]);
    expect(started.code).toBe(0);
    expect(started.outputs.channel).toBe('C0DEPLOYS');
    expect(started.outputs['message-ts']).toMatch(/^\d+\.\d{6}$/);
    expect(headerOf(slack.messages('deploys')[0])).toBe(':rocket: Build started');

    const staging = await webApi({
      status: 'succeeded',
      environment: 'staging',
      channel: started.outputs.channel,
      'message-ts': started.outputs['message-ts'],
      stages: 'test=succeeded, build=succeeded, staging=succeeded, approve=pending',
      url: 'https://staging.notes.example.com',
    });
    expect(staging.code).toBe(0);
    expect(staging.outputs['message-ts']).toBe(started.outputs['message-ts']);

    const done = await webApi({
      status: 'succeeded',
      environment: 'production',
      channel: 'C0DEPLOYS',
      'message-ts': started.outputs['message-ts'],
      stages: 'test=success, build=success, staging=success, approve=success, production=success',
    });
    expect(done.code).toBe(0);

    const messages = slack.messages('deploys');
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message?.edits).toHaveLength(2);
    expect(message?.text).toContain('Deployed to production');
    expect(headerOf(message)).toBe(':white_check_mark: Deployed to production');
    const all = texts(message).join('\n');
    expect(all).toContain(':white_check_mark: production');
    expect(all).toContain(
      '<https://github.com/acme/notes/commit/0123456789abcdef0123456789abcdef01234567|0123456>',
    );
    expect(all).toContain('<https://github.com/acme/notes/actions/runs/4242|deploy #17>');
    expect(all).toContain('<https://github.com/octocat|octocat>');
    expect(message?.edits[1]?.text).toContain('Deployed to staging');
    expect(slack.requests.map((r) => r.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.update']);
    expect(slack.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(done.summary).toContain('updated');
    for (const run of [started, staging, done]) expectNoLeak(run, TOKEN);
  });

  it('puts details in a thread reply under the message', async () => {
    const run = await webApi({
      status: 'failed',
      stage: 'staging',
      environment: 'staging',
      details:
        '**Rollout failed**: the circuit breaker rolled back.\n\n```\nError: connect ECONNREFUSED 10.0.0.1:5432\n```',
    });
    expect(run.code).toBe(0);
    const [message] = slack.messages('deploys');
    expect(headerOf(message)).toBe(':x: Staging failed');
    expect(texts(message).join('\n')).toContain(':thread: details in the thread');
    expect(message?.replies).toHaveLength(1);
    const reply = message?.replies[0];
    expect(reply?.thread_ts).toBe(run.outputs['message-ts']);
    const replyText = texts(reply).join('\n');
    expect(replyText).toContain('*Rollout failed*');
    expect(replyText).toContain('```\nError: connect ECONNREFUSED 10.0.0.1:5432\n```');
    expect(slack.requests.map((r) => r.method)).toEqual(['chat.postMessage', 'chat.postMessage']);
  });

  it('takes the status from the job with status auto', async () => {
    const run = await webApi({ stage: 'deploy' });
    expect(run.code).toBe(0);
    expect(headerOf(slack.messages('deploys')[0])).toBe(':white_check_mark: Deploy succeeded');
    const failed = await notify(
      { 'bot-token': TOKEN, channel: 'C0DEPLOYS', stage: 'deploy' },
      { env: { TEST_JOB_STATUS: 'failure' } },
    );
    expect(failed.code).toBe(0);
    expect(headerOf(slack.messages('deploys')[1])).toBe(':x: Deploy failed');
  });

  it('shows the duration from started-at, or from the run start read from the GitHub API', async () => {
    const startedAt = new Date(Date.now() - 3 * 60_000).toISOString();
    const run = await webApi({ status: 'succeeded', environment: 'production', 'started-at': startedAt });
    expect(run.code).toBe(0);
    expect(texts(slack.messages('deploys')[0]).join('\n')).toMatch(/\*Duration\*\n3m( \d+s)?/);

    const gh = await startLocalGitHub({ tokens: { ghs_runReader_0123456789: { actions: 'read' } } });
    try {
      gh.setRun({
        id: 4242,
        run_started_at: new Date(Date.now() - 2 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      });
      // Without GITHUB_TOKEN: message [1], checked below to have no duration and to cost no GitHub call.
      await webApi({ status: 'failed', stage: 'production' });
      const withToken = await notify(
        { 'bot-token': TOKEN, channel: '#deploys', status: 'failed', stage: 'production' },
        { env: { GITHUB_API_URL: gh.url, GITHUB_TOKEN: 'ghs_runReader_0123456789' } },
      );
      expect(withToken.code).toBe(0);
      expect(gh.requests.map((r) => r.path)).toEqual(['/repos/acme/notes/actions/runs/4242']);
      expect(texts(slack.messages('deploys')[2]).join('\n')).toMatch(/\*Duration\*\n2h/);
      // Without a token nothing is asked and the duration is left out.
      expect(texts(slack.messages('deploys')[1]).join('\n')).not.toContain('*Duration*');
      expectNoLeak(withToken, TOKEN, 'ghs_runReader_0123456789');
    } finally {
      await gh.stop();
    }
  });

  it("posts a new message when the one to update is not the app's", async () => {
    const theirs = slack.postAsUser('deploys', 'a person wrote this');
    const run = await webApi({ status: 'succeeded', channel: 'C0DEPLOYS', 'message-ts': theirs });
    expect(run.code).toBe(0);
    expect(
      run.annotations
        .filter((a) => a.level === 'warning')
        .map((a) => a.message)
        .join('\n'),
    ).toContain('cant_update_message');
    const messages = slack.messages('deploys');
    expect(messages).toHaveLength(2);
    expect(messages[0]?.text).toBe('a person wrote this');
    expect(run.outputs['message-ts']).toBe(messages[1]?.ts);
  });
});

describe('slack-notify: incoming webhook', () => {
  it('posts a new message each time, with the details inside, and never shows the URL', async () => {
    const url = slack.addWebhook('deploys');
    const secretPath = new URL(url).pathname;
    const first = await notify({ 'webhook-url': url, status: 'started', environment: 'staging' });
    const second = await notify({
      'webhook-url': url,
      status: 'failed',
      environment: 'staging',
      details: 'Smoke test failed: GET /healthz returned 503',
    });
    for (const run of [first, second]) {
      expect(run.code).toBe(0);
      expect(run.outputs).toEqual({});
      expectNoLeak(run, url);
      expect(run.leaks(secretPath)).toEqual([]);
    }
    const messages = slack.messages('deploys');
    expect(messages.map((m) => m.via)).toEqual(['webhook', 'webhook']);
    expect(headerOf(messages[0])).toBe(':rocket: Deploying to staging');
    expect(texts(messages[1]).join('\n')).toContain('Smoke test failed: GET /healthz returned 503');
    expect(slack.requests.every((r) => r.kind === 'webhook' && r.authorization === undefined)).toBe(true);
  });

  it('retries a rate-limited then failing webhook and posts the message once', async () => {
    const url = slack.addWebhook('deploys');
    slack.rateLimit({ times: 1, retryAfterSeconds: 1 });
    slack.outage({ times: 1, status: 503 });
    const run = await notify({ 'webhook-url': url, status: 'succeeded', environment: 'staging' });
    expect(run.code).toBe(0);
    expect(run.errors()).toEqual([]);
    expect(run.annotations.filter((a) => a.level === 'warning')).toEqual([]);
    expect(run.stdout).toContain('Slack answered HTTP 429; retrying in 1.0 s.');
    expect(run.stdout).toContain('Slack answered HTTP 503; retrying in 2.0 s.');
    expect(run.stdout).toContain('Posted to the incoming webhook.');
    expect(slack.requests.map((r) => [r.kind, r.status])).toEqual([
      ['webhook', 429],
      ['webhook', 503],
      ['webhook', 200],
    ]);
    const messages = slack.messages('deploys');
    expect(messages).toHaveLength(1);
    expect(messages[0]?.via).toBe('webhook');
    expect(headerOf(messages[0])).toBe(':white_check_mark: Deployed to staging');
    expectNoLeak(run, url);
  });

  it('warns and exits 0 when the webhook is down and fail-on-error is false', async () => {
    const url = slack.addWebhook('deploys');
    slack.outage({ times: 10, status: 503 });
    const run = await notify({ 'webhook-url': url, status: 'failed', stage: 'deploy' });
    expect(run.code).toBe(0);
    expect(run.errors()).toEqual([]);
    const warning = run.annotations.find((a) => a.level === 'warning');
    expect(warning?.properties.title).toBe('Slack notification not sent');
    expect(warning?.message).toContain('Slack webhook failed: HTTP 503 after 4 attempt(s)');
    expect(warning?.message).toContain('slack-status.com');
    expect(warning?.message).toContain('The deployment goes on');
    expect(slack.requests.map((r) => [r.kind, r.status])).toEqual(Array(4).fill(['webhook', 503]));
    expect(slack.messages('deploys')).toEqual([]);
    expect(run.summary).toContain('Slack notification not sent');
    expectNoLeak(run, url);
  });

  it('explains an unknown webhook without showing it', async () => {
    const url = `${slack.url}/services/T0LOCAL/B0NOPE/notARealSecret123`;
    const run = await notify({ 'webhook-url': url, status: 'started', 'fail-on-error': true });
    expect(run.code).toBe(1);
    expect(run.errors()[0]).toContain('Slack webhook failed: no_service');
    expect(run.errors()[0]).toContain('create a new incoming webhook');
    expectNoLeak(run, url);
    expect(run.leaks('notARealSecret123')).toEqual([]);
  });
});

describe('slack-notify: Slack trouble', () => {
  it('waits for Retry-After on 429 and succeeds', async () => {
    // 3 s, not the 1 s of the first back-off, so ignoring Retry-After would show.
    slack.rateLimit({ times: 1, retryAfterSeconds: 3 });
    const run = await webApi({ status: 'started' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Slack answered HTTP 429; retrying in 3.0 s.');
    expect(slack.requests.map((r) => r.status)).toEqual([429, 200]);
    const [limited, retried] = slack.requests;
    expect(retried!.receivedAt - limited!.receivedAt).toBeGreaterThanOrEqual(2900);
    expect(slack.messages('deploys')).toHaveLength(1);
  });

  it('warns and exits 0 on an outage when fail-on-error is false', async () => {
    slack.outage({ times: 10, status: 503 });
    const run = await webApi({ status: 'succeeded' });
    expect(run.code).toBe(0);
    expect(run.errors()).toEqual([]);
    const warning = run.annotations.find((a) => a.level === 'warning');
    expect(warning?.properties.title).toBe('Slack notification not sent');
    expect(warning?.message).toContain('HTTP 503 after 4 attempt(s)');
    expect(warning?.message).toContain('The deployment goes on');
    expect(slack.requests).toHaveLength(4);
    expect(run.summary).toContain('Slack notification not sent');
    expect(run.outputs).toEqual({});
  });

  it('fails on an outage when fail-on-error is true', async () => {
    slack.outage({ times: 10, status: 500 });
    const run = await webApi({ status: 'succeeded', 'fail-on-error': true });
    expect(run.code).toBe(1);
    expect(run.errors()).toHaveLength(1);
    expect(run.errors()[0]).toContain('Slack chat.postMessage failed: HTTP 500 after 4 attempt(s)');
    expect(run.errors()[0]).toContain('slack-status.com');
  });

  it('says what to do about an invalid token, an unknown channel and a channel the app is not in', async () => {
    slack.addChannel({ name: 'private-ops', id: 'C0PRIVOPS', member: false });
    const badToken = 'xoxb-9999-wrong-tokenSecretValue';
    const auth = await notify({
      'bot-token': badToken,
      channel: '#deploys',
      status: 'started',
      'fail-on-error': true,
    });
    expect(auth.code).toBe(1);
    expect(auth.errors()[0]).toContain('Slack chat.postMessage failed: invalid_auth');
    expect(auth.errors()[0]).toContain('Bot User OAuth Token (xoxb-…)');
    expectNoLeak(auth, badToken);

    const unknown = await webApi({ channel: '#nowhere', status: 'started', 'fail-on-error': true });
    expect(unknown.errors()[0]).toContain('channel_not_found');
    expect(unknown.errors()[0]).toContain('channel #nowhere');
    expect(unknown.errors()[0]).toContain('channel ID');

    const notMember = await webApi({ channel: 'C0PRIVOPS', status: 'started' });
    expect(notMember.code).toBe(0);
    const warning = notMember.annotations.find((a) => a.level === 'warning')?.message ?? '';
    expect(warning).toContain('not_in_channel');
    expect(warning).toContain('/invite @your-app');
  });
});

describe('slack-notify: hostile text', () => {
  const CONTROL =
    '*bold* _it_ ~strike~ `code` <!channel> <!here> @here & <https://evil.example|click me> > quote 🚀🔥';

  function expectClean(message: SlackMessage | undefined): void {
    const json = JSON.stringify({ text: message?.text, blocks: message?.blocks });
    expect(json).not.toMatch(/<!channel>|<!here>|<https:\/\/evil/);
    expect(json).not.toMatch(/(^|[^\u200b])@here/);
    // No lone surrogate halves: emoji survive cutting.
    expect(json).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    let characters = 0;
    for (const block of (message?.blocks ?? []) as AnyBlock[]) {
      if (block.type === 'header') expect(block.text?.text.length).toBeLessThanOrEqual(150);
      if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
      for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2000);
      expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
      expect(block.elements?.length ?? 0).toBeLessThanOrEqual(10);
    }
    for (const text of texts(message)) characters += text.length;
    expect(characters).toBeLessThanOrEqual(12_000);
    expect((message?.blocks ?? []).length).toBeLessThanOrEqual(50);
  }

  it('escapes control characters, never pings, and cuts 10 kB of error output to the limits', async () => {
    const errorOutput = Array.from(
      { length: 200 },
      (_, i) => `line ${i}: ${CONTROL} \`\`\` & <tag> ${'x'.repeat(10)}`,
    ).join('\n');
    expect(errorOutput.length).toBeGreaterThan(10_000);
    const run = await webApi({
      status: 'failed',
      stage: `${CONTROL} ${'long stage name '.repeat(20)}`,
      environment: CONTROL,
      version: CONTROL,
      url: 'https://notes.example.com/?a=1&b=<2>',
      stages: `test=succeeded, ${CONTROL.replace(/[,=]/g, '')}=failed`,
      details: `## Deploy failed ${CONTROL}\n\n\`\`\`\n${errorOutput}\n\`\`\`\n\n${errorOutput}`,
    });
    expect(run.errors()).toEqual([]);
    expect(run.code).toBe(0);
    const [message] = slack.messages('deploys');
    expectClean(message);
    expect(message?.replies).toHaveLength(1);
    expectClean(message?.replies[0]);
    const all = texts(message).join('\n');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&amp;');
    expect(all).toContain('🚀🔥');
    expect(all).toContain('\u200b*\u200bbold\u200b*\u200b');
    expect(all).toContain('<https://notes.example.com/?a=1&b=%3C2%3E|');
    const reply = texts(message?.replies[0]).join('\n');
    expect(reply).toContain('…');
    expect(reply).toContain('line 0: ');
    expect(reply).not.toContain('line 199: ');
    // Code blocks stay balanced in every section.
    for (const text of texts(message?.replies[0])) expect((text.match(/```/g)?.length ?? 0) % 2).toBe(0);
    expect(headerOf(message).length).toBeLessThanOrEqual(150);
    expect(message?.text.length).toBeLessThanOrEqual(3000);
  });

  it('also cuts details to the limits in a webhook message', async () => {
    const url = slack.addWebhook('deploys');
    const details = `Error: ${CONTROL}\n${'🔥 stack frame at Object.<anonymous> (/app/index.js:1:1)\n'.repeat(400)}`;
    const run = await notify({ 'webhook-url': url, status: 'failed', stage: 'production', details });
    expect(run.code).toBe(0);
    const [message] = slack.messages('deploys');
    expectClean(message);
    expect(texts(message).join('\n')).toContain('Object.&lt;anonymous&gt;');
  });
});

describe('slack-notify: inputs', () => {
  it('prefers bot-token when a webhook URL is given too, and says so', async () => {
    const url = slack.addWebhook('deploys');
    const both = await notify({
      'bot-token': TOKEN,
      channel: '#deploys',
      'webhook-url': url,
      status: 'started',
    });
    expect(both.code).toBe(0);
    expect(both.annotations.map((a) => a.message)).toContain(
      'slack-notify: both bot-token and webhook-url are given; using bot-token (webhook-url is ignored).',
    );
    expect(slack.requests.map((r) => r.method)).toEqual(['chat.postMessage']);
    expectNoLeak(both, TOKEN, url);
  });

  it('warns when asked to update a message by channel name, and posts a new one when Slack refuses', async () => {
    const first = await webApi({ status: 'started' });
    const byName = await webApi({ status: 'succeeded', 'message-ts': first.outputs['message-ts'] });
    expect(byName.code).toBe(0);
    const warnings = byName.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings[0]).toContain(
      "Slack updates a message by channel ID: pass the earlier step's `channel` output",
    );
    expect(warnings[1]).toContain('channel_not_found: Slack needs the channel ID to update a message');
    expect(slack.requests.map((r) => r.method)).toEqual([
      'chat.postMessage',
      'chat.update',
      'chat.postMessage',
    ]);
    expect(slack.messages('deploys')).toHaveLength(2);
  });

  it('rejects bad inputs before calling Slack with fail-on-error true, without echoing secrets', async () => {
    const bad = await notify({
      'bot-token': 'not-a-token',
      status: 'shipped',
      stages: 'build',
      'started-at': 'yesterday',
      'fail-on-error': true,
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('slack-notify: bot-token: does not look like a Slack token');
    expect(bad.stdout).toContain('slack-notify: channel: is required with bot-token');
    expect(bad.stdout).toContain('slack-notify: status: "shipped" is not one of');
    expect(bad.stdout).toContain('slack-notify: stages: "build" is not name=state');
    expect(bad.stdout).toContain('slack-notify: started-at: "yesterday" is not an ISO 8601 time');
    expect(bad.leaks('not-a-token')).toEqual([]);
    expect(slack.requests).toEqual([]);
  });

  it('turns a Slack misconfiguration into warnings that say what to fix when fail-on-error is false', async () => {
    // An organisation-wide token in a repository without a channel, an app-level token (the wrong kind),
    // a bad stages value: notifications are optional, so none of them may stop the deployment.
    const appToken = 'xapp-1-A0123456789-1234567890123-appLevelTokenSecret';
    const cases: Array<[RunOptions['inputs'], string, string?]> = [
      [{ 'bot-token': TOKEN, status: 'started' }, 'slack-notify: channel: is required with bot-token'],
      [
        { 'bot-token': appToken, channel: 'C0DEPLOYS', status: 'started' },
        'slack-notify: bot-token: does not look like a Slack token',
        appToken,
      ],
      [
        { 'bot-token': TOKEN, channel: 'C0DEPLOYS', stages: 'test=green' },
        'slack-notify: stages: "test=green" is not name=state',
      ],
    ];
    for (const [inputs, problem, secret] of cases) {
      const run = await notify(inputs);
      expect(run.code, run.stdout).toBe(0);
      const warnings = run.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
      expect(warnings.join('\n')).toContain(problem);
      expect(warnings.join('\n')).toContain('the deployment goes on (fail-on-error is false)');
      expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
      expect(run.summary).toContain('Slack notification not sent');
      expect(run.outputs).toEqual({});
      expectNoLeak(run, secret ?? TOKEN);

      const strict = await notify({ ...inputs, 'fail-on-error': true });
      expect(strict.code).toBe(1);
      expect(strict.stdout).toContain(problem);
    }
    expect(slack.requests).toEqual([]);

    // fail-on-error itself must be a boolean: a typo there is not taken as "warn".
    const typo = await notify({ 'bot-token': TOKEN, status: 'started', 'fail-on-error': 'nope' });
    expect(typo.code).toBe(1);
    expect(typo.stdout).toContain('slack-notify: fail-on-error: "nope" is not a boolean');
  });

  it('skips with a warning when no Slack credentials are available (e.g. fork pull requests)', async () => {
    const run = await notify({ status: 'started' });
    expect(run.code).toBe(0);
    expect(run.annotations.find((a) => a.level === 'warning')?.message).toContain('nothing was sent');
    expect(slack.requests).toEqual([]);
    const strict = await notify({ status: 'started', 'fail-on-error': true });
    expect(strict.code).toBe(1);
  });
});
