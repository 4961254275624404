// Runs an action's committed bundle the way the GitHub runner does: a child process on Node.js 24 with
// INPUT_* variables (each input's action.yml default applied when the step leaves it out), GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY and GITHUB_* context; then parses what the runner would read back.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { interpolate } from './expressions.js';

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

export interface ActionMetadata {
  name: string;
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string; value?: string }>;
  runs: { using: string; main?: string; post?: string; steps?: unknown[] };
}

/** `root` is the repository's own action.yml; anything else is actions/<name>. */
export function actionDir(action: string): string {
  return action === 'root' ? REPO_ROOT : join(REPO_ROOT, 'actions', action);
}

export function readActionMetadata(action: string): ActionMetadata {
  const dir = actionDir(action);
  const meta = parseYaml(readFileSync(join(dir, 'action.yml'), 'utf8')) as ActionMetadata;
  meta.inputs ??= {};
  meta.outputs ??= {};
  return meta;
}

export interface RunOptions {
  /** Inputs as a step's `with:` gives them; `undefined` = left out (the default applies). */
  inputs?: Record<string, string | number | boolean | undefined>;
  /** Extra environment (e.g. the local AWS endpoint's variables). */
  env?: Record<string, string | undefined>;
  /** Working directory (GITHUB_WORKSPACE); default a fresh temporary folder. */
  cwd?: string;
  timeoutMs?: number;
  /** Sends SIGINT after this many ms, as the runner does when a job is cancelled. */
  cancelAfterMs?: number;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
}

export interface ActionRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** Values registered with `::add-mask::`. */
  masked: string[];
  durationMs: number;
  /** `Date.now()` when the process exited. */
  exitedAt: number;
  /** Where `secret` shows up in anything a user sees: log lines (mask registrations aside), outputs, summary. */
  leaks(secret: string): string[];
  /** The error annotations' messages. */
  errors(): string[];
}

export function node24(): string {
  try {
    return inject('node24');
  } catch {
    return process.env.NODE24_PATH ?? process.execPath;
  }
}

/** The GITHUB_* context a runner sets for a push to main of acme/notes. */
export function githubEnv(workspace: string, runnerTemp: string): Record<string, string> {
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/notes',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_ACTOR: 'octocat',
    GITHUB_TRIGGERING_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_JOB: 'deploy',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_NUMBER: '17',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION: '__run',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
  };
}

/** Evaluates an input default like `${{ github.token }}` against the step's environment, as the runner does. */
function evaluateDefault(value: string, env: Record<string, string | undefined>): string {
  if (!value.includes('${{')) return value;
  const contexts = {
    github: {
      token: env.GITHUB_TOKEN ?? '',
      sha: env.GITHUB_SHA ?? '',
      ref: env.GITHUB_REF ?? '',
      ref_name: env.GITHUB_REF_NAME ?? '',
      repository: env.GITHUB_REPOSITORY ?? '',
      actor: env.GITHUB_ACTOR ?? '',
      run_id: env.GITHUB_RUN_ID ?? '',
      server_url: env.GITHUB_SERVER_URL ?? '',
      api_url: env.GITHUB_API_URL ?? '',
      workspace: env.GITHUB_WORKSPACE ?? '',
      event_name: env.GITHUB_EVENT_NAME ?? '',
    },
    job: { status: env.TEST_JOB_STATUS ?? 'success' },
    runner: { temp: env.RUNNER_TEMP ?? '', os: env.RUNNER_OS ?? '' },
  };
  return interpolate(value, contexts);
}

/** INPUT_<NAME> as the runner names it: upper case, spaces to underscores (hyphens stay). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
      outputs[name] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

function unescapeData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(value: string): string {
  return unescapeData(value).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/**
 * The workflow commands the runner would execute in `stdout`, parsed as the runner parses them
 * (actions/runner src/Runner.Common/ActionCommand.cs, TryParseV2 then TryParse, tried in that order by
 * src/Runner.Worker/ActionCommandManager.cs TryProcessCommand): a line is a command when it starts with
 * `::` after its leading whitespace is trimmed, or when it holds the legacy `##[name props]data` form
 * anywhere. An action that prints a hostile value such that either matches has injected a command.
 */
export function parseCommands(stdout: string): { annotations: Annotation[]; masked: string[] } {
  const annotations: Annotation[] = [];
  const masked: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::([a-z-]+)( [^:]*)?::(.*)$/i.exec(line.trimStart()) ?? legacyCommand(line);
    if (!match) continue;
    const [, rawCommand = '', props = '', data = ''] = match;
    const command = rawCommand.toLowerCase();
    if (command === 'add-mask') masked.push(unescapeData(data));
    if (command === 'error' || command === 'warning' || command === 'notice') {
      const properties: Record<string, string> = {};
      for (const pair of props.trim().split(',').filter(Boolean)) {
        const eq = pair.indexOf('=');
        properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
      }
      annotations.push({ level: command, message: unescapeData(data), properties });
    }
  }
  return { annotations, masked };
}

/** Runs `action`'s committed bundle with `options` and returns what the runner would see. */
const LEGACY_COMMANDS = new Set(['error', 'warning', 'notice', 'add-mask', 'debug', 'group', 'endgroup']);

/** `##[error k=v;k2=v2]data` anywhere in a line (the runner's V1 syntax; properties separated by `;`). */
function legacyCommand(line: string): [string, string, string, string] | undefined {
  const start = line.indexOf('##[');
  if (start < 0) return undefined;
  const end = line.indexOf(']', start);
  if (end < 0) return undefined;
  const info = line.slice(start + 3, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!LEGACY_COMMANDS.has(name.toLowerCase())) return undefined;
  const props = space < 0 ? '' : ` ${info.slice(space + 1).replace(/;/g, ',')}`;
  return [line, name, props, line.slice(end + 1)];
}

export async function runAction(action: string, options: RunOptions = {}): Promise<ActionRun> {
  const meta = readActionMetadata(action);
  if (meta.runs.using !== 'node24' || !meta.runs.main)
    throw new Error(`${action}: runs.using must be node24`);
  const scratch = mkdtempSync(join(tmpdir(), `action-${action}-`));
  const workspace = options.cwd ?? join(scratch, 'workspace');
  const runnerTemp = join(scratch, 'runner-temp');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });
  const outputFile = join(scratch, 'output');
  const summaryFile = join(scratch, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');

  const baseEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    ...githubEnv(workspace, runnerTemp),
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_ENV: join(scratch, 'env'),
    GITHUB_PATH: join(scratch, 'path'),
    GITHUB_STATE: join(scratch, 'state'),
    ...options.env,
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(baseEnv)) if (value !== undefined) env[name] = value;
  for (const [name, spec] of Object.entries(meta.inputs)) {
    const given = options.inputs?.[name];
    const value = given === undefined ? spec.default : String(given);
    if (value !== undefined) env[inputEnvName(name)] = evaluateDefault(value, env);
  }
  for (const name of Object.keys(options.inputs ?? {})) {
    if (!(name in meta.inputs)) throw new Error(`${action} has no input named ${name}`);
  }

  const started = Date.now();
  const child = spawn(node24(), [join(actionDir(action), meta.runs.main)], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const timeoutMs = options.timeoutMs ?? 50_000;
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const canceller =
    options.cancelAfterMs === undefined
      ? undefined
      : setTimeout(() => child.kill('SIGINT'), options.cancelAfterMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolvePromise) =>
    child.on('close', (c, s) => resolvePromise([c, s])),
  );
  const exitedAt = Date.now();
  clearTimeout(killer);
  if (canceller) clearTimeout(canceller);

  const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'));
  const summary = readFileSync(summaryFile, 'utf8');
  rmSync(scratch, { recursive: true, force: true });
  const { annotations, masked } = parseCommands(stdout);
  if (signal === 'SIGKILL')
    throw new Error(`${action} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`);

  return {
    code,
    signal,
    stdout,
    stderr,
    outputs,
    summary,
    annotations,
    masked,
    durationMs: exitedAt - started,
    exitedAt,
    leaks(secret: string) {
      const places: string[] = [];
      const visible = stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n');
      if (visible.includes(secret)) places.push('stdout');
      if (stderr.includes(secret)) places.push('stderr');
      if (summary.includes(secret)) places.push('summary');
      for (const [name, value] of Object.entries(outputs))
        if (value.includes(secret)) places.push(`output ${name}`);
      return places;
    },
    errors() {
      return annotations.filter((a) => a.level === 'error').map((a) => a.message);
    },
  };
}
