import type { Row } from '../groups/crypto.ts';
import { cpuSeconds, loadAverage, machineBusySeconds, SATURATED } from './cpu.ts';
import { median, ratio } from './stats.ts';
import { type PooledRequest, runWrk } from './wrk.ts';

/** One saturated run of one variant, with what the server and the machine did meanwhile. */
export interface Measured {
  requestsPerSecond: number;
  /** Server's busy share of its core over the run. */
  busy: number;
  /** Server CPU µs per request (robust to a busy machine: it does not count time the server waited for a core). */
  microsecondsPerRequest: number;
  p50Us: number;
  p99Us: number;
  non2xx: number;
  errors: number;
  /** 1-minute load average read just before the run (`uptime`). */
  loadBefore: number;
  /** Cores' worth of CPU used by other processes than the server and wrk during the run. */
  otherCores: number;
}

/** Above this many cores of other processes' CPU during a run, the figure was taken on a busy machine. */
export const BUSY_MACHINE = 0.25;

/** Runs wrk against `base` rotating through `pool` for `seconds`, measuring the server process `pid`. */
export async function measureSaturated(
  pid: number,
  base: string,
  pool: readonly PooledRequest[],
  seconds: number,
  connections = 50,
): Promise<Measured> {
  const loadBefore = loadAverage()[0];
  const serverStart = cpuSeconds(pid) ?? Number.NaN;
  const machineStart = machineBusySeconds();
  const start = process.hrtime.bigint();
  const result = await runWrk(base, pool, { seconds, connections });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const server = (cpuSeconds(pid) ?? Number.NaN) - serverStart;
  const machine = machineBusySeconds() - machineStart;
  return {
    requestsPerSecond: result.requestsPerSecond,
    busy: server / wall,
    microsecondsPerRequest: (server * 1e6) / Math.max(1, result.requests),
    p50Us: result.p50Us,
    p99Us: result.p99Us,
    non2xx: result.non2xx,
    errors: result.errors,
    loadBefore,
    otherCores: Math.max(0, (machine - server - result.loadCpuSeconds) / wall),
  };
}

/** Extra fields a saturated comparison adds to a result row. */
export interface SaturatedFacts {
  /** Median busy share of the server's core: candidate, baseline. */
  readonly serverCpu: { value: number; baseline: number };
  /**
   * Server CPU µs per request, medians: candidate, baseline; and baseline µs ÷ candidate µs. `paired`: the median of
   * each run's own ratio (run i of the candidate beside run i of the baseline, taken seconds apart in the same
   * interleaved round), which a host whose speed drifts over minutes moves far less than the ratio of the medians.
   */
  readonly cpuPerRequest: { value: number; baseline: number; ratio: number; paired?: number };
  /** Whether both medians had the server ≥ 95 % of its core (only then does the req/s ratio count). */
  readonly counts: boolean;
  /** Whether other processes used more than BUSY_MACHINE cores during any of these runs. */
  readonly busyMachine: boolean;
  readonly loadBefore: number[];
  readonly otherCores: number[];
  /** Socket errors and timeouts wrk saw, over every run of both sides. */
  readonly socketErrors: number;
}

/** A row comparing a candidate's saturated runs with a baseline's (both interleaved in the same run). */
export function compareSaturated(
  name: string,
  candidate: readonly Measured[],
  baseline: readonly Measured[],
  goal?: number,
): Row & SaturatedFacts {
  const rps = median(candidate.map((m) => m.requestsPerSecond));
  const baseRps = median(baseline.map((m) => m.requestsPerSecond));
  const busy = median(candidate.map((m) => m.busy));
  const baseBusy = median(baseline.map((m) => m.busy));
  const cpu = median(candidate.map((m) => m.microsecondsPerRequest));
  const baseCpu = median(baseline.map((m) => m.microsecondsPerRequest));
  const counts = busy >= SATURATED && baseBusy >= SATURATED;
  const all = [...candidate, ...baseline];
  const value = ratio(rps, baseRps);
  return {
    name,
    value: Math.round(rps),
    baseline: Math.round(baseRps),
    ratio: value,
    unit: 'req/s',
    ...(goal === undefined ? {} : { goal: `≥ ${goal.toFixed(2)}`, met: counts && rps / baseRps >= goal }),
    samples: {
      value: candidate.map((m) => Math.round(m.requestsPerSecond)),
      baseline: baseline.map((m) => Math.round(m.requestsPerSecond)),
    },
    serverCpu: { value: round(busy), baseline: round(baseBusy) },
    cpuPerRequest: {
      value: round(cpu, 1),
      baseline: round(baseCpu, 1),
      ratio: ratio(baseCpu, cpu),
      paired: pairedRatio(
        candidate.map((m) => m.microsecondsPerRequest),
        baseline.map((m) => m.microsecondsPerRequest),
      ),
    },
    counts,
    busyMachine: all.some((m) => m.otherCores > BUSY_MACHINE),
    loadBefore: all.map((m) => round(m.loadBefore)),
    otherCores: all.map((m) => round(m.otherCores)),
    socketErrors: all.reduce((sum, m) => sum + m.errors, 0),
  };
}

/** The median over runs of baseline ÷ candidate, run by run (the runs were interleaved: pair i was taken together). */
export function pairedRatio(candidate: readonly number[], baseline: readonly number[]): number {
  const pairs = Math.min(candidate.length, baseline.length);
  return ratio(median(Array.from({ length: pairs }, (_, i) => baseline[i]! / candidate[i]!)), 1);
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
