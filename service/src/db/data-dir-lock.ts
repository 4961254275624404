// PGlite is one process's database: two processes on one data directory each keep their own copy in
// memory and the last to write its files wins, so the other's acknowledged writes vanish at the next start.
// A lock file in the directory (created exclusively, holding the owner's pid and host) keeps a second
// process out. A lock left by a process that is gone (crash, SIGKILL) is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'notes-service.lock';

interface Owner {
  pid: number;
  host: string;
  startedAt: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: Owner,
  ) {
    super(
      `the PGlite data directory ${dataDir} is in use by process ${owner.pid} on ${owner.host} (since ${owner.startedAt}); ` +
        `two processes on one directory lose each other's writes. Stop that process, use another DATA_DIR, or set ` +
        `DATABASE_URL for a shared database. If that process no longer exists, delete ${join(dataDir, LOCK_FILE)}.`,
    );
    this.name = 'DataDirLockedError';
  }
}

function readOwner(file: string): Owner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<Owner>;
    if (typeof owner.pid !== 'number' || typeof owner.host !== 'string') return undefined;
    return { pid: owner.pid, host: owner.host, startedAt: String(owner.startedAt ?? 'unknown') };
  } catch {
    return undefined; // unreadable or half written: treated as no owner
  }
}

/** Whether the owner may still be running. A process on another host cannot be checked: assume it is. */
function isAlive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true;
  // Our own pid from an earlier life of this container (the service is pid 1 in it every time).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock or throws DataDirLockedError; the returned function releases it. */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, LOCK_FILE);
  const me: Owner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(file);
      if (owner && isAlive(owner)) throw new DataDirLockedError(dataDir, owner);
      // Stale: its owner is gone. Remove it and race for a fresh exclusive create.
      rmSync(file, { force: true });
      continue;
    }
    writeSync(fd, `${JSON.stringify(me)}\n`);
    closeSync(fd);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (readOwner(file)?.pid === me.pid) rmSync(file, { force: true });
    };
  }
  const owner = readOwner(file);
  throw new DataDirLockedError(dataDir, owner ?? { pid: 0, host: 'unknown', startedAt: 'unknown' });
}
