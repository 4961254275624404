// The cost of a log line's trip to the output, per line: pino's own destination (sonic-boom, asynchronous,
// 4 KiB minimum write, as the service used before) against the service's bufferedOutput, both writing the
// same request line to a file, then the whole pino logger line through each.
//
//   npx tsx service/bench/log-output.ts        (LOG_BENCH_LINES, default 300000)
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DestinationStream, pino } from 'pino';
import { bufferedOutput, createLogger } from '../src/logger.js';

const LINES = Number(process.env.LOG_BENCH_LINES ?? 300_000);
const ID = 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff';
const LINE = `${JSON.stringify({
  level: 'info',
  time: '2026-12-07T15:00:00.000Z',
  service: 'notes',
  version: '1.0.0',
  reqId: ID,
  method: 'GET',
  path: `/v1/notes/${ID}`,
  status: 200,
  durationMs: 1.23,
  msg: 'request',
})}\n`;

const dir = mkdtempSync(join(tmpdir(), 'log-bench-'));
let files = 0;
const file = () => join(dir, `${files++}.log`);
const destinations: Record<string, () => DestinationStream> = {
  'sonic-boom (pino.destination, sync: false, minLength 4096)': () =>
    pino.destination({ dest: file(), sync: false, minLength: 4096 }),
  'bufferedOutput (service/src/logger.ts)': () => bufferedOutput({ fd: openSync(file(), 'w') }),
};

/** CPU microseconds per call of `fn`, yielding to the event loop every 1,000 calls as a server does. */
async function perLine(fn: () => void): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < LINES; i++) {
    fn();
    if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / LINES;
}

try {
  console.log(`${LINES} lines of ${LINE.length} bytes to a file, CPU µs per line (user + system)`);
  for (const [name, make] of Object.entries(destinations)) {
    const dest = make();
    // Let sonic-boom open its file first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const write = await perLine(() => dest.write(LINE));
    const logger = createLogger({ level: 'info', appVersion: '1.0.0', destination: make() });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fields = { reqId: ID, method: 'GET', path: `/v1/notes/${ID}`, status: 200, durationMs: 1.23 };
    const logged = await perLine(() => logger.info(fields, 'request'));
    console.log(`${name}: write ${write.toFixed(2)} µs, logger.info ${logged.toFixed(2)} µs`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
