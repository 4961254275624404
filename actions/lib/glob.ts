// Finding files by glob with Node's own fs.promises.glob (Node 22+; the actions run on Node 24).
import { glob } from 'node:fs/promises';
import { isAbsolute, join, matchesGlob, relative, resolve } from 'node:path';

export interface FindFilesOptions {
  /** Relative patterns are matched from here. */
  cwd: string;
  /** Folders never descended into unless a pattern names them. Default: node_modules and .git. */
  ignoreDirs?: string[];
}

/**
 * Files matching any of `patterns` (`**`, `*`, `?`, `{a,b}`, `[ab]`); a pattern starting with `!` removes
 * matches. Returns absolute paths, sorted, each once; folders are left out.
 */
export async function findFiles(patterns: string[], options: FindFilesOptions): Promise<string[]> {
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  if (include.length === 0) return [];
  const named = include.join('\n');
  const ignored = new Set((options.ignoreDirs ?? ['node_modules', '.git']).filter((d) => !named.includes(d)));
  const found = new Set<string>();
  for await (const entry of glob(include, {
    cwd: options.cwd,
    withFileTypes: true,
    exclude: (dirent) => ignored.has(dirent.name) && dirent.isDirectory(),
  })) {
    if (!entry.isFile()) continue;
    const path = resolve(join(entry.parentPath, entry.name));
    const rel = relative(options.cwd, path);
    if (exclude.some((p) => matchesGlob(isAbsolute(p) ? path : rel, p))) continue;
    found.add(path);
  }
  return [...found].sort();
}
