// Runs the service as a real process (from source with tsx, or the bundle with Node.js 24) and waits for
// its "listening" log line.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Json } from './http.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

export interface ServerProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** Everything written so far, stdout and stderr. */
  output(): string;
  /** stdout parsed as JSON lines (non-JSON lines skipped). */
  logLines(): Json[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A clean environment: nothing from the test runner's (no stray DATABASE_URL or PG* variables). */
export function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', HOST: '127.0.0.1', ...extra };
}

/** `node --import tsx service/src/<entry>` from the repository root. */
export function sourceCommand(entry: 'index.ts' | 'migrate.ts'): string[] {
  return [process.execPath, '--import', 'tsx', `service/src/${entry}`];
}

export function runProcess(
  command: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv },
): { child: ChildProcess; output: () => string; exited: ServerProcess['exited'] } {
  const [file, ...args] = command;
  const child = spawn(file!, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, output: () => output, exited };
}

function parseLines(output: string): Json[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
}

export async function startServerProcess(
  command: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ServerProcess> {
  const run = runProcess(command, options);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const started = Date.now();
  let port: number | undefined;
  let exitedEarly = false;
  run.exited.then(() => {
    exitedEarly = true;
  });
  while (port === undefined) {
    const listening = parseLines(run.output()).find((l) => l.msg === 'listening');
    if (listening) port = listening.port;
    else if (exitedEarly) throw new Error(`server exited before listening:\n${run.output()}`);
    else if (Date.now() - started > timeoutMs) {
      run.child.kill('SIGKILL');
      throw new Error(`server did not listen within ${timeoutMs} ms:\n${run.output()}`);
    } else await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child: run.child,
    output: run.output,
    logLines: () => parseLines(run.output()),
    exited: run.exited,
    async stop(signal = 'SIGTERM') {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill(signal);
      return run.exited;
    },
  };
}
