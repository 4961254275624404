// One server process per whole CPU the task is given: from the ECS task metadata's task-level limit (a
// local HTTP server plays the endpoint), never more than the machine has, at least one; and the forked
// processes share the port and stop together on SIGTERM.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../service/src/config.js';
import { cpuBudget, workersFor } from '../../service/src/workers.js';
import { freePort, startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { baseEnv, sourceCommand, startServerProcess } from './support/process.js';

describe('how many server processes', () => {
  let metadata: Server;
  let limits: unknown;
  let base: string;
  beforeAll(async () => {
    // Task metadata v4: GET ${ECS_CONTAINER_METADATA_URI_V4}/task has Limits.CPU in vCPUs (omitted when
    // the task sets none): https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-response.html
    metadata = createServer((req, res) => {
      if (req.url !== '/v4/abc/task') return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ TaskARN: 'arn:aws:ecs:eu-west-1:123456789012:task/c/abc', ...(limits as object) }),
      );
    });
    await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/v4/abc`;
  });
  afterAll(() => new Promise((resolve) => metadata.close(resolve)));

  it('takes the task-level CPU limit from the ECS task metadata', async () => {
    limits = { Limits: { CPU: 0.25, Memory: 512 } };
    const quarter = await cpuBudget({ ECS_CONTAINER_METADATA_URI_V4: base });
    expect(quarter).toEqual({ cpus: 0.25, source: 'ECS task metadata' });
    expect(workersFor(quarter.cpus)).toBe(1);
    limits = { Limits: { CPU: 64, Memory: 131072 } };
    // Never more processes than the machine has CPUs.
    expect((await cpuBudget({ ECS_CONTAINER_METADATA_URI_V4: base })).cpus).toBe(availableParallelism());
    limits = {};
    expect((await cpuBudget({ ECS_CONTAINER_METADATA_URI_V4: base })).source).not.toBe('ECS task metadata');
  });

  it('is one per whole CPU, at least one', () => {
    expect([0.25, 0.5, 1, 1.5, 2, 4].map(workersFor)).toEqual([1, 1, 1, 1, 2, 4]);
  });

  it('reads WORKERS as auto or 1 to 64', () => {
    expect(loadConfig({}).workers).toBe('auto');
    expect(loadConfig({ WORKERS: '3' }).workers).toBe(3);
    expect(() => loadConfig({ WORKERS: '0' })).toThrow('WORKERS: expected auto or an integer from 1 to 64');
  });
});

describe('several server processes on PostgreSQL', () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startTestPostgres();
  });
  afterAll(async () => {
    await postgres?.stop();
  });

  it('share the port and stop together on SIGTERM, exit 0', { timeout: 180_000 }, async () => {
    const server = await startServerProcess(sourceCommand('index.ts'), {
      env: baseEnv({ DATABASE_URL: postgres.url, PORT: String(await freePort()), WORKERS: '4' }),
    });
    try {
      expect(server.logLines()[0]).toMatchObject({ msg: 'starting server processes', workers: 4 });
      const created = await fetch(`${server.url}/v1/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'from a worker' }),
      });
      expect(created.status).toBe(201);
      // SIGTERM right away: processes still starting (four on two CPUs: some are still loading their code)
      // get it once they handle signals, and stop cleanly too.
      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
      const lines = server.logLines();
      expect(lines.filter((l) => l.msg === 'stopped')).toHaveLength(4);
    } finally {
      await server.stop('SIGKILL');
    }
  });
});
