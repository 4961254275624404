// The one place that talks to @actions/core: inputs, outputs, masking, annotations, groups, summary.
// Actions and the rest of lib use these functions, so the logic stays testable without a runner.
import * as core from '@actions/core';

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
  info: (message: string): void => core.info(message),
  debug: (message: string): void => core.debug(message),
  warning: (message: string, annotation?: Annotation): void => core.warning(message, annotation),
  error: (message: string, annotation?: Annotation): void => core.error(message, annotation),
  notice: (message: string, annotation?: Annotation): void => core.notice(message, annotation),
  isDebug: (): boolean => core.isDebug(),
  /** A collapsible group in the log around `fn`. */
  group: <T>(title: string, fn: () => Promise<T>): Promise<T> => core.group(title, fn),
};

export type Logger = typeof log;
