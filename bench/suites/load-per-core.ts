import { runEngineClosed } from '../engine/run-engine.js';
import { cpuMicrosPerRequest, requestsPerCpuSecond, rotated, type LoadResult } from '../load-result.js';
import { runAutocannon } from '../peers/run-autocannon.js';
import { runWrk, wrkBinary } from '../peers/run-wrk.js';
import { table, type BenchContext, type BenchSection, type Verdict } from '../section.js';
import { median, round, thousands } from '../stats.js';
import type { BenchTarget } from '../targets/bench-target.js';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * (a) Requests per second from one core: fanout's engine (closed model, no think time, one worker)
 * beside autocannon and wrk, same target, same core, tools rotated within each round.
 */
export interface LoadPerCoreOptions {
  target: BenchTarget;
  connections: number[];
  seconds: number;
}

/** fanout's engine must make this much of autocannon's load, by connection count. */
const TARGET_RATIO: Record<number, number> = { 50: 1.2, 500: 1.0 };

type Tool = 'fanout' | 'autocannon' | 'wrk';

function runTool(tool: Tool, url: string, connections: number, seconds: number, wrk: string | undefined): Promise<LoadResult> {
  if (tool === 'fanout') return runEngineClosed(url, connections, seconds);
  if (tool === 'autocannon') return runAutocannon(url, connections, seconds);
  return runWrk(wrk!, url, connections, seconds);
}

function describeRun(result: LoadResult): string {
  const cpu = cpuMicrosPerRequest(result);
  return (
    `${result.tool.padEnd(10)} ${thousands(result.rps).padStart(7)} req/s  p50 ${round(result.p50Ms)} ms  p99 ${round(result.p99Ms)} ms` +
    `${cpu === undefined ? '' : `  ${round(cpu, 1)} µs CPU/req`}${result.errors ? `  errors ${result.errors}` : ''}`
  );
}

export interface LoadPerCoreSection extends BenchSection {
  /** The engine's median req/s by connection count: the core's capacity for the open-model benchmark. */
  engineRps: Map<number, number>;
}

export async function loadPerCore(context: BenchContext, options: LoadPerCoreOptions): Promise<LoadPerCoreSection> {
  const wrk = wrkBinary();
  const tools: Tool[] = wrk ? ['fanout', 'autocannon', 'wrk'] : ['fanout', 'autocannon'];
  const { log } = context;
  if (!wrk) log('wrk is not installed: skipped (apt-get install wrk)');
  const rows: Array<Array<string | number>> = [];
  const ratioRows: Array<Array<string | number>> = [];
  const verdicts: Verdict[] = [];
  const engineRps = new Map<number, number>();

  for (const connections of options.connections) {
    const byTool = new Map<Tool, LoadResult[]>(tools.map((tool) => [tool, []]));
    const ratios = { autocannon: [] as number[], wrk: [] as number[], perCpuAutocannon: [] as number[] };
    for (let roundIndex = 0; roundIndex < context.rounds; roundIndex++) {
      const order = rotated(tools, roundIndex);
      const inRound = new Map<Tool, LoadResult>();
      for (const tool of order) {
        const result = await runTool(tool, options.target.url, connections, options.seconds, wrk);
        inRound.set(tool, result);
        byTool.get(tool)!.push(result);
        log(`  ${connections} conns, round ${roundIndex + 1}: ${describeRun(result)}`);
        await sleep(context.smoke ? 100 : 1000);
      }
      const fanout = inRound.get('fanout')!.rps;
      ratios.autocannon.push(fanout / inRound.get('autocannon')!.rps);
      ratios.perCpuAutocannon.push(requestsPerCpuSecond(inRound.get('fanout')!) / requestsPerCpuSecond(inRound.get('autocannon')!));
      if (inRound.has('wrk')) ratios.wrk.push(fanout / inRound.get('wrk')!.rps);
    }

    for (const tool of tools) {
      const results = byTool.get(tool)!;
      const cpu = results.map(cpuMicrosPerRequest).filter((value): value is number => value !== undefined);
      const rss = results.map((result) => result.peakRssMb).filter((value): value is number => value !== undefined);
      const busy = results.map((result) => (result.cpuSeconds === undefined ? NaN : result.cpuSeconds / result.seconds));
      rows.push([
        connections,
        tool === 'fanout' ? '**fanout engine**' : tool,
        thousands(median(results.map((result) => result.rps))),
        busy.every(Number.isFinite) ? `${Math.round(100 * median(busy))} %` : '–',
        `${round(median(results.map((result) => result.p50Ms)))} / ${round(median(results.map((result) => result.p99Ms)))}`,
        cpu.length ? round(median(cpu), 1) + (tool === 'wrk' ? ' (sampled)' : '') : '–',
        rss.length ? Math.round(median(rss)) : '–',
        results.reduce((sum, result) => sum + result.errors, 0),
      ]);
    }
    engineRps.set(connections, median(byTool.get('fanout')!.map((result) => result.rps)));
    const vsAutocannon = median(ratios.autocannon);
    const vsWrk = ratios.wrk.length ? median(ratios.wrk) : undefined;
    const wanted = TARGET_RATIO[connections];
    ratioRows.push([
      connections,
      `${round(vsAutocannon)}× (${ratios.autocannon.map((ratio) => round(ratio)).join(', ')})`,
      wanted === undefined ? '–' : `≥ ${wanted}×`,
      `${round(median(ratios.perCpuAutocannon))}×`,
      vsWrk === undefined ? 'wrk not installed' : `${round(vsWrk)}×`,
    ]);
    log(`  ${connections} conns: fanout / autocannon ${round(vsAutocannon)}× (median of ${context.rounds})${vsWrk === undefined ? '' : `, fanout / wrk ${round(vsWrk)}×`}`);
    if (wanted !== undefined) {
      verdicts.push({
        target: `engine ≥ ${wanted}× autocannon's req/s at ${connections} connections`,
        measured: `${round(vsAutocannon)}×`,
        met: context.smoke ? undefined : vsAutocannon >= wanted,
      });
    }
  }

  const markdown = [
    `Target: ${options.target.description}, pinned to core 1; each generator pinned to core 0; ${options.seconds} s per run, ` +
      `${context.rounds} rounds, the tools' order rotated every round. req/s = responses / the run's wall time.`,
    '',
    table(['connections', 'generator', 'req/s (median)', 'generator core busy', 'p50 / p99 ms (median)', 'CPU µs per request', 'peak RSS MB', 'errors (all rounds)'], rows),
    '',
    'Ratios within each round (median, and every round). Requests per CPU-second compares the generators\' cost per request, ' +
      'which holds when a round\'s target slowed down (a generator core busy well under 100 % was waiting for the target, so its req/s measured the target):',
    '',
    table(['connections', 'fanout / autocannon, req/s', 'target', 'fanout / autocannon, requests per CPU-second', 'fanout / wrk, req/s'], ratioRows),
    wrk ? '' : '\nwrk was not installed, so it was skipped (`apt-get install wrk`).',
  ].join('\n');
  return { id: 'load-per-core', title: 'Load per core: closed model, no think time', markdown, verdicts, engineRps };
}
