// The floor of what the framework costs: a bare Hono + pg handler for the benchmarked endpoints, the same
// queries on the same table, with none of the service's middleware (no request id, no log line, no
// validation, no problem details). `npm run bench` bundles it like the service and runs it beside it.
//
//   DATABASE_URL=postgresql://… PORT=3001 node bare.mjs
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_MAX ?? 10),
});
pool.on('error', () => {});

const COLUMNS = 'id, title, body, tags, version, created_at as "createdAt", updated_at as "updatedAt"';
const app = new Hono();

app.get('/healthz', (c) => c.json({ status: 'ok' }));

app.get('/v1/notes/:id', async (c) => {
  const { rows } = await pool.query({
    name: 'bare_by_id',
    text: `select ${COLUMNS} from notes where id = $1`,
    values: [c.req.param('id')],
  });
  if (!rows[0]) return c.json({ title: 'Note not found' }, 404);
  return c.json(rows[0]);
});

app.post('/v1/notes', async (c) => {
  const input = (await c.req.json()) as { title: string; body?: string; tags?: string[] };
  const { rows } = await pool.query({
    name: 'bare_insert',
    text: `insert into notes (title, body, tags) values ($1, $2, $3) returning ${COLUMNS}`,
    values: [input.title, input.body ?? '', input.tags ?? []],
  });
  return c.json(rows[0], 201);
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3001), hostname: '127.0.0.1' });

// A clean exit on the benchmark's SIGTERM, so that `--cpu-prof` (BENCH_NODE_OPTIONS) writes its profile.
process.on('SIGTERM', () => process.exit(0));
