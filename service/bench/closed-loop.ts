// A closed-loop HTTP load generator on node:http, used to compare the service with the Flask baseline under
// the same client. autocannon suits the service but not gunicorn's sync workers: they close the connection
// after every response, and autocannon writing the next request onto a closing socket turns into resets
// and multi-second latency artefacts that are the client's, not the server's. A keep-alive Agent reuses
// connections where the server allows it (the service) and reconnects cleanly where it does not (gunicorn).
import { Agent, request } from 'node:http';

export interface ClosedLoopOptions {
  port: number;
  /** The path of the next request (called once per request). */
  nextPath: () => string;
  connections: number;
  durationMs: number;
}

export interface ClosedLoopResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** `connections` loops, each sending a request as soon as the previous one is answered, for `durationMs`. */
export async function closedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const started = performance.now();
  const end = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < end) {
        const sent = performance.now();
        try {
          const status = await get(agent, options.port, options.nextPath());
          latencies.push(performance.now() - sent);
          if (status < 200 || status > 299) non2xx++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    non2xx,
  };
}
