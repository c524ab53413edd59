import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux this bench runs on). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, every thread) a process has used so far, from /proc/<pid>/stat; undefined elsewhere. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields that follow start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); the slice above starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** What a measured window cost the server: its share of one core and its CPU microseconds per request. */
export interface CpuUse {
  /** Busy share of one core over the window (0–1; the server is pinned to one core). */
  busy: number;
  /** Server CPU µs per answered request. */
  microsecondsPerRequest: number;
}

/** A figure counts as saturated only when the server used at least this share of its core. */
export const SATURATED = 0.95;

/**
 * Runs `work` (a load run that resolves to its request count) while reading the server's CPU time before and after:
 * the server's busy share of its core over the window and its CPU µs per request.
 */
export async function withCpu<T extends { requests: number }>(
  pid: number,
  work: () => Promise<T>,
): Promise<T & CpuUse> {
  const startCpu = cpuSeconds(pid) ?? Number.NaN;
  const start = process.hrtime.bigint();
  const result = await work();
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = (cpuSeconds(pid) ?? Number.NaN) - startCpu;
  return { ...result, ...cpuUse(used, wall, result.requests) };
}

/** The share of one core and the µs per request of `used` CPU seconds over `wall` seconds and `requests` answers. */
export function cpuUse(used: number, wall: number, requests: number): CpuUse {
  return { busy: used / wall, microsecondsPerRequest: requests > 0 ? (used * 1e6) / requests : Number.NaN };
}

/** The machine's load averages (1, 5, 15 min) from /proc/loadavg, recorded before each run. */
export function loadAverage(): [number, number, number] {
  try {
    const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
    return [one!, five!, fifteen!];
  } catch {
    return [Number.NaN, Number.NaN, Number.NaN];
  }
}

/** Busy CPU seconds of the whole machine so far (every core; /proc/stat, idle and iowait excluded). */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return (total - fields[3]! - fields[4]!) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
