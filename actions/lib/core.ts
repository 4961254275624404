// The one place that talks to @actions/core: inputs, outputs, masking, annotations, groups, summary.
// Actions and the rest of lib use these functions, so the logic stays testable without a runner.
import * as core from '@actions/core';

import { looksSecret } from './echo.js';

export { clip, escapeData, QUOTE_LIMIT, quote } from './echo.js';

export interface Annotation {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

/** Raw input as the runner passes it (`INPUT_<NAME>`), trimmed; `undefined` when empty or absent. */
export function readRawInput(name: string): string | undefined {
  const value = core.getInput(name, { trimWhitespace: true });
  return value === '' ? undefined : value;
}

/** Masks a secret in every later log line, the moment it exists. Multi-line secrets are masked line by line. */
export function mask(secret: string | undefined): void {
  if (!secret) return;
  core.setSecret(secret);
  for (const line of secret.split(/\r?\n/)) {
    if (line.trim() && line !== secret) core.setSecret(line.trim());
  }
}

/**
 * Text the runner would read as a workflow command is printed instead: a line starting with `::` after its
 * leading whitespace (which the runner trims) has those colons escaped as the toolkit escapes them in
 * properties (`%3A`), and the legacy `##[name]` form, honoured anywhere in a line, becomes `##%5B`. Every
 * text the actions log passes here; values inside a line are escaped with escapeData.
 */
function inert(message: string): string {
  return message.replace(/^(\s*)::/gm, '$1%3A%3A').replace(/##\[/g, '##%5B');
}

/**
 * The job's credentials and tokens, masked the moment an action starts: the AWS credentials the job
 * configured and every environment variable or input named like a token, secret, password or key, so a
 * server or proxy that echoes a request cannot leak them into an error, the summary or an output.
 */
export function maskEnvironmentSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (ALWAYS_MASKED.has(name)) mask(value);
    else if (looksSecret(name) && value.trim().length >= 8 && !/^(true|false)$/i.test(value.trim()))
      mask(value);
  }
}

const ALWAYS_MASKED = new Set([
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
]);

export function setOutputs(outputs: Record<string, string | number | boolean | undefined>): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value !== undefined) core.setOutput(name, String(value));
  }
}

export function setFailed(message: string): void {
  core.setFailed(message);
}

export async function appendSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}

export const log = {
  info: (message: string): void => core.info(inert(message)),
  debug: (message: string): void => core.debug(message),
  warning: (message: string, annotation?: Annotation): void => core.warning(message, annotation),
  error: (message: string, annotation?: Annotation): void => core.error(message, annotation),
  notice: (message: string, annotation?: Annotation): void => core.notice(message, annotation),
  isDebug: (): boolean => core.isDebug(),
  /** A collapsible group in the log around `fn`. */
  group: <T>(title: string, fn: () => Promise<T>): Promise<T> => core.group(title, fn),
};

export type Logger = typeof log;
