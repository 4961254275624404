// Log format: JSON lines unless standard output is a terminal, where a person reads them.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyLine, redactSecrets } from '../../service/src/logger.js';
import { REPO_ROOT } from './support/process.js';

const hasScript = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).status === 0;

/** Logs a request line and an error through the service's logger in a child process. */
const LOGS = [
  "const { createLogger } = await import('./service/src/logger.ts');",
  "const log = createLogger({ level: 'info', appVersion: '1.0.0' });",
  "log.info({ reqId: 'r-1', method: 'GET', path: '/v1/notes', status: 200, durationMs: 1.25 }, 'request');",
  "log.warn({ err: { message: 'connect ECONNREFUSED' } }, 'database unavailable');",
].join(' ');

describe('logger', () => {
  it('formats a request line like an access log and other fields as key=value', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 'info',
        time: '2026-01-02T03:04:05.678Z',
        service: 'notes',
        version: '1',
        reqId: 'abc',
        method: 'POST',
        path: '/v1/notes',
        status: 201,
        durationMs: 2.5,
        msg: 'request',
      }),
    );
    expect(line).toBe('03:04:05.678 INFO  request POST /v1/notes 201 2.5ms reqId=abc\n');
    const error = prettyLine(
      JSON.stringify({
        level: 'error',
        time: '2026-01-02T03:04:05.678Z',
        msg: 'unhandled error',
        err: { message: 'boom', stack: 'Error: boom\n    at x' },
        detail: 'two words',
      }),
    );
    expect(error).toBe(
      '03:04:05.678 ERROR unhandled error err=boom detail="two words"\n    Error: boom\n        at x\n',
    );
    expect(prettyLine('not json')).toBe('not json');
  });

  it('censors passwords, connection strings and the authorization header, one level down too', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (l: string) => lines.push(l) } });
    const error = Object.assign(new Error('auth failed'), { password: 'hunter2' });
    logger.info(
      {
        password: 'p1',
        db: { host: 'h', password: 'p2', connectionString: 'postgresql://u:p3@h/d' },
        headers: { authorization: 'Bearer t', accept: '*/*' },
        err: error,
        tags: ['password'],
      },
      'with secrets',
    );
    const line = lines.join('');
    for (const secret of ['p1', 'p2', 'p3', 'Bearer t', 'hunter2']) expect(line).not.toContain(secret);
    const entry = JSON.parse(line);
    expect(entry).toMatchObject({
      password: '[redacted]',
      db: { host: 'h', password: '[redacted]', connectionString: '[redacted]' },
      headers: { authorization: '[redacted]', accept: '*/*' },
      err: { message: 'auth failed', password: '[redacted]' },
      tags: ['password'],
    });
    // The caller's objects are not changed, and a line without secrets is passed through as it is.
    expect(error.password).toBe('hunter2');
    const plain = { reqId: 'r', status: 200 };
    expect(redactSecrets(plain)).toBe(plain);
  });

  it('writes JSON lines when standard output is not a terminal', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', LOGS], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(['request', 'database unavailable']);
  });

  it.skipIf(!hasScript)('writes readable lines on a terminal', () => {
    // script(1) gives the child a pseudo-terminal as standard output.
    const command = `${process.execPath} --import tsx --input-type=module -e ${JSON.stringify(LOGS)}`;
    const out = execFileSync('script', ['-qfec', command, '/dev/null'], { cwd: REPO_ROOT, encoding: 'utf8' });
    const lines = out.replaceAll('\r', '').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}request GET \/v1\/notes 200 1\.25ms reqId=r-1$/);
    expect(lines[1]).toMatch(/WARN {2}database unavailable err="connect ECONNREFUSED"$/);
  });
});
