// How many server processes to run: one per whole CPU the task is given, so a task with several vCPUs uses
// them all (Node.js runs JavaScript on one core), and a 0.25- to 1-vCPU Fargate task stays one process.
// The CPUs come from the ECS task metadata's task-level limit (in vCPUs), else the cgroup CPU quota, else
// the CPUs the operating system offers. PGlite is one process's database: always one process there.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface CpuBudget {
  cpus: number;
  source: 'ECS task metadata' | 'cgroup CPU quota' | 'available CPUs';
}

/** The cgroup's CPU quota in CPUs (v2 cpu.max, else v1 cfs quota/period); undefined when unlimited. */
function cgroupQuota(): number | undefined {
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (quota && quota !== 'max' && Number(period) > 0) return Number(quota) / Number(period);
    if (quota === 'max') return undefined;
  } catch {
    // not cgroup v2
  }
  try {
    const quota = Number(readFileSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us', 'utf8'));
    const period = Number(readFileSync('/sys/fs/cgroup/cpu/cpu.cfs_period_us', 'utf8'));
    if (quota > 0 && period > 0) return quota / period;
  } catch {
    // no cgroup CPU controller visible
  }
  return undefined;
}

/** ECS task metadata v4 `Limits.CPU` (task level, vCPUs); undefined outside ECS or without a task limit. */
async function ecsTaskCpus(env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const base = env.ECS_CONTAINER_METADATA_URI_V4;
  if (!base) return undefined;
  try {
    const res = await fetch(`${base}/task`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return undefined;
    const task = (await res.json()) as { Limits?: { CPU?: unknown } };
    const cpu = task.Limits?.CPU;
    return typeof cpu === 'number' && cpu > 0 ? cpu : undefined;
  } catch {
    return undefined;
  }
}

export async function cpuBudget(env: NodeJS.ProcessEnv = process.env): Promise<CpuBudget> {
  const online = availableParallelism();
  const ecs = await ecsTaskCpus(env);
  if (ecs !== undefined) return { cpus: Math.min(online, ecs), source: 'ECS task metadata' };
  const quota = cgroupQuota();
  if (quota !== undefined) return { cpus: Math.min(online, quota), source: 'cgroup CPU quota' };
  return { cpus: online, source: 'available CPUs' };
}

/** One process per whole CPU, at least one. */
export function workersFor(cpus: number): number {
  return Math.max(1, Math.floor(cpus + 1e-9));
}
