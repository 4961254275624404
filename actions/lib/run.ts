// The top-level runner every action's main goes through: one `setFailed` with a one-line cause, the
// details in a log group and the job summary, no stack traces for expected failures, and an AbortSignal
// that fires when the runner cancels the job (SIGINT, then SIGTERM after a grace period).
import { appendSummary, log, maskEnvironmentSecrets, setFailed } from './core.js';
import { clip } from './echo.js';
import { ActionError, ConfigurationError, messageOf } from './errors.js';
import { escapeMarkdown } from './summary.js';

export interface ActionContext {
  /** Aborted when the job is cancelled; long waits stop and clean up. */
  signal: AbortSignal;
  startedAt: number;
}

export async function runAction(
  name: string,
  main: (context: ActionContext) => Promise<void>,
): Promise<void> {
  // Before anything can fail or log: an endpoint or proxy that echoes a request must not leak the job's
  // credentials into an error line, the summary or an output.
  maskEnvironmentSecrets();
  const controller = new AbortController();
  const cancel = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      log.warning(`${name}: received ${signal}: the job is being cancelled; stopping.`);
      controller.abort(new ActionError(`${name}: cancelled`));
    }
  };
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    await main({ signal: controller.signal, startedAt: Date.now() });
  } catch (error) {
    await reportFailure(name, error);
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

export async function reportFailure(name: string, error: unknown): Promise<void> {
  if (error instanceof ConfigurationError) {
    // Each problem quotes its value clipped already; this bounds a line that quotes one unclipped.
    const problems = error.problems.map((p) => clip(p, MAX_LINE));
    for (const problem of problems.slice(1)) log.error(problem);
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more, listed above)` : '';
    setFailed(`${problems[0]}${more}`);
    await safeSummary(
      `### ❌ ${name}: configuration error\n\n${problems.map((p) => `- ${escapeMarkdown(p)}`).join('\n')}\n`,
    );
    return;
  }
  if (error instanceof ActionError) {
    const message = clip(error.message, MAX_LINE);
    const line = error.hint ? `${message}. ${error.hint}` : message;
    if (error.details) await log.group('Details', async () => log.info(error.details ?? ''));
    setFailed(oneLine(line));
    await safeSummary(
      `### ❌ ${name} failed\n\n**${escapeMarkdown(message)}**\n\n${error.hint ? `${escapeMarkdown(error.hint)}\n\n` : ''}${error.details ? `${error.details}\n` : ''}`,
    );
    return;
  }
  // Not an expected failure: a bug. Keep the stack in the log, where a maintainer can find it.
  const stack = error instanceof Error && error.stack ? error.stack : String(error);
  await log.group('Stack trace (please include it in a bug report)', async () => log.info(stack));
  setFailed(
    `${name}: unexpected error: ${clip(messageOf(error), MAX_LINE)}. This is a bug in the action; please report it with this log.`,
  );
  await safeSummary(
    `### ❌ ${name}: unexpected error\n\n\`\`\`\n${clip(messageOf(error), MAX_LINE)}\n\`\`\`\n`,
  );
}

/** The longest failure line (and summary headline) a step prints: server text may be echoed in it. */
const MAX_LINE = 1000;

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

async function safeSummary(markdown: string): Promise<void> {
  try {
    await appendSummary(markdown);
  } catch (error) {
    log.warning(`Could not write the job summary: ${messageOf(error)}`);
  }
}
