// Log format: JSON lines unless standard output is a terminal, where a person reads them.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bufferedOutput, createLogger, prettyLine, redactSecrets } from '../../service/src/logger.js';
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

  describe('buffered output', () => {
    /** A writeSync that records what each call wrote, and can refuse (EAGAIN) or take less than offered. */
    function recorder(take: (call: number, length: number) => number | 'EAGAIN' | 'EPIPE' = (_, n) => n) {
      const writes: string[] = [];
      let calls = 0;
      const writeSync = (_fd: number, buffer: Buffer, offset: number, length: number) => {
        const taken = take(calls++, length);
        if (taken === 'EAGAIN' || taken === 'EPIPE') {
          throw Object.assign(new Error(`${taken}: write`), { code: taken });
        }
        writes.push(buffer.subarray(offset, offset + taken).toString());
        return taken;
      };
      return { writes, writeSync, text: () => writes.join('') };
    }
    const line = (i: number) => `${JSON.stringify({ msg: 'request', i, pad: 'x'.repeat(200) })}\n`;
    const slow = { intervalMs: 60_000 };

    it('holds lines until a batch is full, then writes them in order in whole lines of at most 4 KiB', () => {
      const out = recorder();
      const stream = bufferedOutput({ ...slow, writeSync: out.writeSync, batchBytes: 16 * 1024 });
      const lines = Array.from({ length: 200 }, (_, i) => line(i));
      for (const l of lines.slice(0, 10)) stream.write(l);
      expect(out.writes).toEqual([]);
      for (const l of lines.slice(10)) stream.write(l);
      stream.flush();
      expect(out.text()).toBe(lines.join(''));
      // Fewer system calls than lines, and each one whole lines within what a pipe takes atomically.
      expect(out.writes.length).toBeLessThan(lines.length / 10);
      for (const w of out.writes) {
        expect(Buffer.byteLength(w)).toBeLessThanOrEqual(4096);
        expect(w.endsWith('\n')).toBe(true);
      }
    });

    it("writes within the interval when the service is quiet, and calls pino's flush callback", async () => {
      const out = recorder();
      const stream = bufferedOutput({ writeSync: out.writeSync, intervalMs: 20 });
      stream.write(line(1));
      await new Promise((r) => setTimeout(r, 100));
      expect(out.text()).toBe(line(1));
      let called = false;
      stream.write(line(2));
      stream.flush(() => {
        called = true;
      });
      expect(called).toBe(true);
      expect(out.text()).toBe(line(1) + line(2));
    });

    it('keeps what an output that is full (EAGAIN) or takes part of a write did not take, and writes each byte once', () => {
      // The second call refuses; the fourth takes only 100 bytes.
      const out = recorder((call, n) => (call === 1 ? 'EAGAIN' : call === 3 ? Math.min(100, n) : n));
      const stream = bufferedOutput({ ...slow, writeSync: out.writeSync, batchBytes: 2048 });
      const lines = Array.from({ length: 60 }, (_, i) => line(i));
      for (const l of lines) stream.write(l);
      while (!stream.flush());
      expect(out.text()).toBe(lines.join(''));
    });

    it('drops lines beyond its limit while the output stays full, and says how many', () => {
      let full = true;
      const out = recorder((_, n) => (full ? 'EAGAIN' : n));
      const stream = bufferedOutput({
        ...slow,
        writeSync: out.writeSync,
        batchBytes: 1024,
        maxPendingBytes: 4096,
      });
      for (let i = 0; i < 100; i++) stream.write(line(i));
      full = false;
      stream.flush();
      const written = out
        .text()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const kept = written.filter((l) => l.msg === 'request');
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.map((l) => l.i)).toEqual(kept.map((_, i) => i));
      expect(written.at(-1)).toMatchObject({
        level: 'warn',
        msg: `log output could not keep up: ${100 - kept.length} lines dropped`,
      });
    });

    it('stops writing once the output is gone (EPIPE), without throwing', () => {
      const out = recorder(() => 'EPIPE');
      const stream = bufferedOutput({ ...slow, writeSync: out.writeSync, batchBytes: 100 });
      expect(() => {
        for (let i = 0; i < 10; i++) stream.write(line(i));
        stream.flush();
      }).not.toThrow();
    });

    it('writes every line before the process exits, also on process.exit, and processes sharing a pipe never split a line', () => {
      // Three processes log into one pipe at once, each exiting with process.exit right after its last line.
      const script = [
        "const { createLogger } = await import('./service/src/logger.ts');",
        "const log = createLogger({ level: 'info', appVersion: '1', format: 'json' });",
        "for (let i = 0; i < 3000; i++) log.info({ worker: process.env.W, i, pad: 'x'.repeat(300) }, 'request');",
        'process.exit(0);',
      ].join(' ');
      const child = (w: string) =>
        `W=${w} ${JSON.stringify(process.execPath)} --import tsx --input-type=module -e ${JSON.stringify(script)}`;
      const out = execFileSync('sh', ['-c', `(${child('a')} & ${child('b')} & ${child('c')} & wait) | cat`], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      for (const w of ['a', 'b', 'c']) {
        expect(lines.filter((l) => l.worker === w).map((l) => l.i)).toEqual(
          Array.from({ length: 3000 }, (_, i) => i),
        );
      }
    });
  });
});
