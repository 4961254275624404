// Files an input names (audit-report, parameters, task-definition, junit patterns, templates) are read only
// from inside the workspace (GITHUB_WORKSPACE, the repository checkout): an input such as
// `../../../etc/passwd`, an absolute path elsewhere, or a symbolic link out of the checkout is refused
// with a clear message instead of being read and echoed.
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { quote } from './echo.js';

/** The workspace the runner checked the repository out into (the working directory when run locally). */
export function workspaceRoot(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.GITHUB_WORKSPACE || process.cwd());
}

/** `path` with symbolic links resolved as far as it exists (a missing file keeps its lexical path). */
function realish(path: string): string {
  let head = path;
  const tail: string[] = [];
  for (;;) {
    try {
      return resolve(realpathSync(head), ...tail.reverse());
    } catch {
      const parent = resolve(head, '..');
      if (parent === head) return path;
      tail.push(relative(parent, head));
      head = parent;
    }
  }
}

/** Whether `path` (absolute) is `root` or inside it, after resolving symbolic links. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(realish(root), realish(path));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export type WorkspacePath = { path: string; problem?: undefined } | { path?: undefined; problem: string };

/**
 * Resolves `path` (relative to `base`, which defaults to the workspace) and checks it is inside the
 * workspace. Returns the absolute path, or a problem to report against the input: `<path> is outside the
 * workspace …; give a path inside the repository checkout`.
 */
export function resolveInWorkspace(
  path: string,
  options: { base?: string; root?: string } = {},
): WorkspacePath {
  const root = options.root ?? workspaceRoot();
  const full = resolve(options.base ?? root, path);
  if (isInside(root, full)) return { path: full };
  return {
    problem: `${quote(path)} is outside the workspace (${root}); give a path inside the repository checkout (files elsewhere on the runner are not read)`,
  };
}
