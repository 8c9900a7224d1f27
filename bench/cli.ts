import { Command, Option } from 'commander';
import { writeFile, mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { machineInfo } from './machine.js';
import { renderReport } from './render-report.js';
import type { BenchContext, BenchSection } from './section.js';
import { coordinatorFanOut } from './suites/coordinator-fan-out.js';
import { flowsPerCore } from './suites/flows.js';
import { histogramMerge } from './suites/histogram-merge.js';
import { lambdaColdInit } from './suites/lambda-cold-init.js';
import { loadPerCore } from './suites/load-per-core.js';
import { memoryPerUser } from './suites/memory-per-user.js';
import { openRate } from './suites/open-rate.js';
import { startBenchTarget, type TargetChoice } from './targets/start-target.js';

const SUITES = ['load', 'open', 'merge', 'fanout', 'memory', 'lambda', 'flows'] as const;
type Suite = (typeof SUITES)[number];

interface BenchOptions {
  smoke: boolean;
  only?: string;
  rounds?: string;
  seconds?: string;
  target: TargetChoice;
  out: string;
  write: boolean;
  profile?: string;
}

function parseSuites(text: string | undefined): Suite[] {
  if (!text) return [...SUITES];
  const wanted = text.split(',').map((name) => name.trim());
  const unknown = wanted.filter((name) => !(SUITES as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${SUITES.join(', ')}`);
  return wanted as Suite[];
}

async function main(options: BenchOptions, command: string): Promise<void> {
  const suites = parseSuites(options.only);
  const smoke = options.smoke;
  const context: BenchContext = {
    smoke,
    rounds: options.rounds ? Number(options.rounds) : smoke ? 1 : 5,
    log: (line) => process.stdout.write(`${line}\n`),
  };
  const seconds = options.seconds ? Number(options.seconds) : smoke ? 1 : 10;
  const machine = machineInfo();
  context.log(`fanout benchmarks on ${machine.nproc} cores (${machine.cpuModel}), node ${machine.node}${machine.pinned ? '' : ' — taskset unavailable, not pinned'}`);
  const sections: BenchSection[] = [];
  const needsTarget = suites.some((suite) => suite === 'load' || suite === 'open' || suite === 'memory');
  const target = needsTarget ? await startBenchTarget(options.target) : undefined;
  try {
    let capacityRps: number | undefined;
    for (const suite of suites) {
      context.log(`\n== ${suite}`);
      const loadBefore = loadavg()[0]!;
      const count = sections.length;
      if (suite === 'load') {
        const section = await loadPerCore(context, { target: target!, connections: smoke ? [10] : [50, 500], seconds });
        capacityRps = section.engineRps.get(50);
        sections.push(section);
      } else if (suite === 'open') {
        sections.push(await openRate(context, { target: target!, seconds: smoke ? 1 : 5, capacityRps }));
      } else if (suite === 'merge') {
        sections.push(await histogramMerge(context));
      } else if (suite === 'fanout') {
        sections.push(await coordinatorFanOut(context));
      } else if (suite === 'memory') {
        sections.push(await memoryPerUser(context, target!));
      } else if (suite === 'lambda') {
        sections.push(await lambdaColdInit(context));
      } else if (suite === 'flows') {
        // Eight generators a round, Artillery's start-up among them: three rounds unless told otherwise (about 6 minutes).
        const rounds = options.rounds ? context.rounds : smoke ? 1 : 3;
        sections.push(await flowsPerCore({ ...context, rounds }, { users: smoke ? 10 : 50, seconds, profileDir: options.profile && resolve(options.profile) }));
      }
      const section = sections[count];
      if (section) section.load = { before: loadBefore, after: loadavg()[0]! };
    }
  } finally {
    await target?.close();
  }
  const markdown = renderReport({ command, machine, smoke, sections });
  context.log(`\n${sections.flatMap((section) => section.verdicts).map((v) => `${v.met === undefined ? '·' : v.met ? '✓' : '✗'} ${v.target}: ${v.measured}`).join('\n')}`);
  if (options.write && !smoke) {
    const out = resolve(options.out);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, markdown);
    context.log(`\nwrote ${out}`);
  }
}

const program = new Command('bench')
  .description("fanout's benchmarks: load per core against autocannon and wrk, open-model accuracy, merges, fan-out, memory, Lambda packages' size and cold init, flows per core against Locust and Artillery")
  .option('--smoke', 'seconds-long run with tiny sizes: checks that every benchmark works, writes nothing', false)
  .option('--only <list>', `comma-separated subset of ${SUITES.join(', ')}`)
  .option('--rounds <n>', 'rounds per comparison (default 5, flows 3, smoke 1)')
  .option('--seconds <s>', 'seconds per load run (default 10, smoke 1)')
  .addOption(new Option('--target <kind>', 'keep-alive target for the load benchmarks').choices(['auto', 'nginx', 'node']).default('auto'))
  .option('--out <file>', 'where the results go', 'docs/benchmarks.md')
  .option('--profile <dir>', 'flows: also profile one run of each fanout kind (V8 CPU profiles) into this folder and report where the time goes')
  .option('--no-write', 'print only, do not write the results file')
  .action(async (options: BenchOptions) => {
    await main(options, `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''));
  });

await program.parseAsync();
