// The files the static checks cover.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/harness.js';

/** The actions this repository ships (DESIGN.md), `root` being the repository's own action.yml. */
export const ACTIONS = [
  'root',
  'test',
  'build-push',
  'deploy-stack',
  'deploy-ecs',
  'approve',
  'slack-notify',
] as const;

/** Repository-relative paths of every workflow: this repository's and the ready-to-copy templates. */
export function workflowFiles(): string[] {
  const files: string[] = [];
  for (const folder of ['.github/workflows', 'workflows']) {
    const dir = join(REPO_ROOT, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) if (/\.ya?ml$/.test(name)) files.push(`${folder}/${name}`);
  }
  return files;
}

/** Every actions/<name>/action.yml present, plus the root action.yml when present (as action names). */
export function presentActions(): string[] {
  const found: string[] = existsSync(join(REPO_ROOT, 'action.yml')) ? ['root'] : [];
  const dir = join(REPO_ROOT, 'actions');
  for (const name of readdirSync(dir).sort()) if (existsSync(join(dir, name, 'action.yml'))) found.push(name);
  return found;
}

export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}
