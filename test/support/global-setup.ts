// Runs once before the whole test run: makes sure the tools the tests drive are present, the way CI on a
// fresh machine (or a GitHub runner) needs them, and resolves the Node.js 24 binary the action bundles run on.
import { execFileSync, spawnSync } from 'node:child_process';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

/** Pinned Python tools: the local AWS endpoint's base and the CloudFormation linter. */
export const PYTHON_TOOLS = { moto: '5.2.1', cfnLint: '1.51.0' } as const;

/** The installed version of a Python distribution, or undefined (also when python3 cannot import it). */
function installedVersion(distribution: string, module: string): string | undefined {
  const result = spawnSync(
    'python3',
    ['-c', `import ${module}, importlib.metadata as m; print(m.version(${JSON.stringify(distribution)}))`],
    { encoding: 'utf8' },
  );
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * Installs the pinned versions with pip where they are missing or another version is installed. Tests run
 * both through python3 (moto's launcher imports moto.server; cfn-lint runs as `python3 -m` its entry
 * point), so neither needs to be on PATH. Where the system Python refuses a plain install (PEP 668,
 * "externally managed", as on Debian and Ubuntu without a virtual environment), it installs for the user.
 */
export function ensurePythonTools(): void {
  const missing: string[] = [];
  // moto.server needs the server extras (flask and friends).
  if (installedVersion('moto', 'moto.server') !== PYTHON_TOOLS.moto)
    missing.push(`moto[server]==${PYTHON_TOOLS.moto}`);
  if (installedVersion('cfn-lint', 'cfnlint.runner') !== PYTHON_TOOLS.cfnLint)
    missing.push(`cfn-lint==${PYTHON_TOOLS.cfnLint}`);
  if (missing.length === 0) return;
  console.log(`[setup] installing ${missing.join(' ')} with pip`);
  const pip = (extra: string[]) =>
    spawnSync('python3', ['-m', 'pip', 'install', '--quiet', ...extra, ...missing], { encoding: 'utf8' });
  let result = pip([]);
  if (result.status !== 0 && /externally-managed-environment/.test(`${result.stderr}${result.stdout}`)) {
    console.log('[setup] the system Python is externally managed: installing for this user instead');
    result = pip(['--user', '--break-system-packages']);
  }
  if (result.status !== 0) {
    throw new Error(
      `pip could not install ${missing.join(' ')} (exit ${result.status}): ${result.stderr || result.stdout}\nInstall them with pip yourself, or run the tests from a virtual environment.`,
    );
  }
}

/** The Actions runtime is Node.js 24; bundles are tested under it, whatever Node.js runs vitest. */
export function resolveNode24(): string {
  if (process.env.NODE24_PATH) return process.env.NODE24_PATH;
  if (process.versions.node.startsWith('24.')) return process.execPath;
  return execFileSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], { encoding: 'utf8' }).trim();
}

/** The one Node.js version of the project (.node-version, package.json engines, README). */
export function warnOnOldNode(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return;
  console.warn(
    `[setup] WARNING: Node.js ${process.versions.node} runs the tests; this project needs Node.js 24 (.node-version, package.json engines): the actions and the service image run on it. Bundles are tested under a Node.js 24 fetched with npx; install Node.js 24 (e.g. \`nvm install\` reads .node-version) for everything else.`,
  );
}

export default function setup(project: TestProject): void {
  warnOnOldNode();
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
