import { readFile } from 'node:fs/promises';

/**
 * Where an engine child's CPU went, from the V8 CPU profile of its slice: self time per
 * function (V8's samples), in µs per request of that run, so that runs of different lengths and
 * kinds (static path, YAML flow, TS module) compare line by line.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A function's place: its name and file, the file shortened to the repository's or Node's own name. */
function placeOf(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = frame.url
    .replace(/^file:\/\/.*?\/dist\//, '')
    .replace(/^file:\/\/.*?\/node_modules\//, '')
    .replace(/^data:text\/javascript.*$/, '(scenario module)');
  return `${name} ${file}:${frame.lineNumber + 1}`;
}

/**
 * Self time per function, µs, of one profile (idle time left out). With `cpuSeconds`, the times are
 * scaled to add up to it: V8 stamps each sample with the wall time since the previous one, which a
 * core shared with other processes stretches; the shares of the samples stay right.
 */
export async function selfTimes(file: string, cpuSeconds?: number): Promise<Map<string, number>> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const placeById = new Map(profile.nodes.map((node) => [node.id, placeOf(node.callFrame)]));
  const times = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const place = placeById.get(id) ?? '(unknown)';
    if (place === '(idle)') return;
    times.set(place, (times.get(place) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  if (cpuSeconds === undefined) return times;
  const sampled = [...times.values()].reduce((sum, time) => sum + time, 0);
  const scale = sampled > 0 ? (cpuSeconds * 1e6) / sampled : 0;
  return new Map([...times].map(([place, time]) => [place, time * scale]));
}

export interface ProfiledRun {
  label: string;
  requests: number;
  times: Map<string, number>;
}

/** The functions that cost most in any of the runs, with each run's µs per request, heaviest first in `byRun`. */
export function costliestFunctions(runs: ProfiledRun[], byRun: string, top: number): { rows: Array<{ place: string; microsPerRequest: number[] }>; totals: number[] } {
  const perRequest = (run: ProfiledRun, place: string) => (run.times.get(place) ?? 0) / Math.max(run.requests, 1);
  const places = new Set<string>();
  for (const run of runs) {
    const heaviest = [...run.times.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [place] of heaviest) places.add(place);
  }
  const order = runs.find((run) => run.label === byRun) ?? runs[0]!;
  const rows = [...places]
    .map((place) => ({ place, microsPerRequest: runs.map((run) => perRequest(run, place)) }))
    .sort((a, b) => perRequest(order, b.place) - perRequest(order, a.place));
  const totals = runs.map((run) => [...run.times.values()].reduce((sum, time) => sum + time, 0) / Math.max(run.requests, 1));
  return { rows, totals };
}

/** The file a function is in ("lib/flow/flow-user.js", "node:internal/…"), or the native category itself ("(garbage collector)"). */
function fileOf(place: string): string {
  if (place.startsWith('(')) return place;
  const file = place.slice(place.lastIndexOf(' ') + 1).replace(/:\d+$/, '');
  return file.startsWith('node:internal/') ? 'node:internal/*' : file;
}

/** The same runs with self time summed per file: which module of the engine, flows, Node or V8 the time goes to. */
export function byFile(runs: ProfiledRun[]): ProfiledRun[] {
  return runs.map((run) => {
    const times = new Map<string, number>();
    for (const [place, time] of run.times) times.set(fileOf(place), (times.get(fileOf(place)) ?? 0) + time);
    return { ...run, times };
  });
}
