// gate: environment — before anything deploys, prove that GitHub's own gate exists: the environment the
// production job names must carry required reviewers. The decision is lib/github.ts's environmentGate; this
// file reports it (outputs, warning or refusal, job summary).
import type { RunContext } from '../../lib/context.js';
import { appendSummary, log, setOutputs } from '../../lib/core.js';
import { ActionError } from '../../lib/errors.js';
import type { RepoClient } from '../../lib/github.js';
import { code, escapeMarkdown, link, table } from '../../lib/summary.js';
import type { Inputs } from './inputs.js';

export async function checkEnvironment(gh: RepoClient, inputs: Inputs, ctx: RunContext): Promise<void> {
  const { environmentGate, protectHint } = await import('../../lib/github.js');
  const name = inputs.environment;
  log.info(`Reading the protection rules of the ${name} environment of ${ctx.repository}.`);
  const gate = await environmentGate(gh, name);
  const hint = protectHint(gh.owner, gh.repo, name, ctx.serverUrl);

  if (gate.status !== 'protected') {
    setOutputs({ status: 'unprotected', reviewers: '' });
    if (!inputs.allowUnprotected) {
      await appendSummary(
        `### ❌ ${escapeMarkdown(name)} has no required reviewers\n\n${escapeMarkdown(gate.problem)}.\n\n${escapeMarkdown(hint)}\n`,
      );
      throw new ActionError(`approve: ${gate.problem}`, {
        hint: `${hint} To deploy without a reviewer on purpose, set allow-unprotected: true (allow-unprotected-production in the pipeline).`,
      });
    }
    log.warning(
      `approve: ${gate.problem}. allow-unprotected is true, so the deployment goes on without anyone approving it. ${hint}`,
      { title: `${name}: no required reviewers` },
    );
    await appendSummary(
      `### ⚠️ ${escapeMarkdown(name)} deploys without approval\n\n${escapeMarkdown(gate.problem)}; allowed by ${code('allow-unprotected: true')}.\n\n${escapeMarkdown(hint)}\n`,
    );
    return;
  }

  const env = gate.environment;
  setOutputs({ status: 'protected', reviewers: env.reviewers.join(',') });
  log.info(
    `${env.name} has required reviewers (${env.reviewers.join(', ')}): the job that names it waits for one of them.`,
  );
  const rows = [
    ['Required reviewers', env.reviewers.map((r) => `@${r}`).join(', ')],
    [
      'Prevent self-review',
      env.preventSelfReview ? 'yes' : 'no (the person who started the run may approve)',
    ],
    ['Wait timer', env.waitTimer ? `${env.waitTimer} min` : 'none'],
  ];
  await appendSummary(
    `### ✅ ${escapeMarkdown(env.name)} is gated by required reviewers\n\n${table(['Rule', ''], rows)}\n${env.html_url ? `${link('The environment on GitHub', env.html_url)}\n` : ''}`,
  );
}
