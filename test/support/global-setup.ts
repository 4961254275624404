// Runs once before the whole test run: makes sure the tools the tests drive are present, the way CI on a
// fresh machine (or a GitHub runner) needs them, and resolves the Node.js 24 binary the action bundles run on.
import { execFileSync, spawnSync } from 'node:child_process';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

/** Pinned Python tools: the local AWS endpoint's base and the CloudFormation linter. */
export const PYTHON_TOOLS = { moto: '5.2.1', cfnLint: '1.51.0' } as const;

function has(command: string, args: string[], expect?: string): boolean {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0 && result.error) return false;
  return expect ? `${result.stdout}${result.stderr}`.includes(expect) : result.status === 0;
}

export function ensurePythonTools(): void {
  const missing: string[] = [];
  if (!has('moto_server', ['--help'])) missing.push(`moto[server]==${PYTHON_TOOLS.moto}`);
  if (!has('cfn-lint', ['--version'], PYTHON_TOOLS.cfnLint))
    missing.push(`cfn-lint==${PYTHON_TOOLS.cfnLint}`);
  if (missing.length === 0) return;
  console.log(`[setup] installing ${missing.join(' ')} with pip`);
  execFileSync('python3', ['-m', 'pip', 'install', '--quiet', ...missing], { stdio: 'inherit' });
}

/** The Actions runtime is Node.js 24; bundles are tested under it, whatever Node.js runs vitest. */
export function resolveNode24(): string {
  if (process.env.NODE24_PATH) return process.env.NODE24_PATH;
  if (process.versions.node.startsWith('24.')) return process.execPath;
  return execFileSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], { encoding: 'utf8' }).trim();
}

export default function setup(project: TestProject): void {
  ensurePythonTools();
  const node24 = resolveNode24();
  process.env.NODE24_PATH = node24;
  project.provide('node24', node24);
}

declare module 'vitest' {
  export interface ProvidedContext {
    node24: string;
  }
}
