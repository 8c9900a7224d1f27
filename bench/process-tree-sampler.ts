import { readdirSync } from 'node:fs';
import { readOrUndefined, readProcSample, runToEnd, type ChildOptions, type ChildOutcome } from './child-process.js';

/**
 * A generator that does not measure itself (Locust, Artillery) is measured from outside: its
 * process and every descendant, sampled from /proc every 100 ms with the wall time of the sample,
 * so that its CPU can be read over exactly the window in which it made load (from the target's
 * first request to its last), leaving out its start-up and shut-down.
 */
export interface CpuSample {
  /** Date.now() of the sample. */
  at: number;
  /** User + kernel seconds of the whole tree so far (reaped children included). */
  cpuSeconds: number;
  /** The tree's peak RSS so far (sum of each process's VmHWM), MB. */
  peakRssMb: number;
}

export interface SampledOutcome extends ChildOutcome {
  samples: CpuSample[];
}

function childrenOf(pid: number): number[] {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return threads.flatMap((thread) => (readOrUndefined(`/proc/${pid}/task/${thread}/children`) ?? '').split(' ').filter(Boolean).map(Number));
}

function treeOf(root: number): number[] {
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...childrenOf(pid));
  }
  return tree;
}

function sampleTree(root: number): CpuSample | undefined {
  let cpuSeconds = 0;
  let rssKb = 0;
  let seen = false;
  for (const pid of treeOf(root)) {
    const sample = readProcSample(pid);
    if (!sample) continue;
    seen = true;
    cpuSeconds += sample.cpuSeconds + sample.reapedChildrenCpuSeconds;
    rssKb += sample.peakRssKb ?? 0;
  }
  return seen ? { at: Date.now(), cpuSeconds, peakRssMb: rssKb / 1024 } : undefined;
}

/** Runs a command to its end, collecting its output and samples of its process tree. */
export async function runSampledChild(command: string, args: string[], options: ChildOptions): Promise<SampledOutcome> {
  const samples: CpuSample[] = [];
  const outcome = await runToEnd(command, args, options, (pid) => {
    const sample = sampleTree(pid);
    // A process that just exited may be missing from one sample until its parent reaps it: never let the totals go back.
    const previous = samples.at(-1);
    if (sample) samples.push({ at: sample.at, cpuSeconds: Math.max(sample.cpuSeconds, previous?.cpuSeconds ?? 0), peakRssMb: Math.max(sample.peakRssMb, previous?.peakRssMb ?? 0) });
  });
  const last = samples.at(-1);
  return { ...outcome, samples, cpuSeconds: last?.cpuSeconds, peakRssMb: last?.peakRssMb };
}

/** How far past its last sample a tree's CPU is extrapolated: a process that exits right after its last request leaves up to a sampling interval unsampled. */
const EXTRAPOLATE_MS = 500;

/** The tree's CPU seconds at a moment, interpolated between the samples around it (extrapolated a little past the last one). */
function cpuAt(samples: CpuSample[], at: number): number | undefined {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || at < first.at) return undefined;
  if (at > last.at) {
    const before = samples.at(-2);
    if (!before || at - last.at > EXTRAPOLATE_MS || last.at === before.at) return undefined;
    // Busy as it was over its last interval, right up to its last request.
    return last.cpuSeconds + ((at - last.at) * (last.cpuSeconds - before.cpuSeconds)) / (last.at - before.at);
  }
  const index = samples.findIndex((sample) => sample.at >= at);
  if (index <= 0) return samples[Math.max(index, 0)]!.cpuSeconds;
  const before = samples[index - 1]!;
  const after = samples[index]!;
  const share = after.at === before.at ? 1 : (at - before.at) / (after.at - before.at);
  return before.cpuSeconds + share * (after.cpuSeconds - before.cpuSeconds);
}

/** CPU seconds the tree spent between two moments; undefined when the samples do not cover them. */
export function cpuSecondsBetween(samples: CpuSample[], from: number, to: number): number | undefined {
  const start = cpuAt(samples, from);
  const end = cpuAt(samples, to);
  return start === undefined || end === undefined ? undefined : end - start;
}
