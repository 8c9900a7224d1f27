import { Command, CommanderError, Option } from 'commander';
import { InputError } from '../lib/config/input-error.js';
import { settingsFromCli, type RunFlags } from '../lib/config/run-settings.js';
import { formatPlan } from '../lib/plan/format-plan.js';
import { formatSummary } from '../lib/report/console-summary.js';
import { runLocal } from '../lib/run/run-local.js';

/** Exit codes: 0 done, 1 the run failed, 2 bad input (nothing started), 99 a threshold failed (as k6). */
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_THRESHOLD = 99;

interface RunCommandOptions extends RunFlags {
  out: string;
  json?: boolean;
  platform: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

async function runCommand(scenario: string | undefined, options: RunCommandOptions): Promise<number> {
  if (options.platform !== 'local') {
    throw new InputError([{ field: '--platform', message: `"${options.platform}" is not available in this build; use local` }]);
  }
  const settings = await settingsFromCli(scenario, options);
  const err = process.stderr;
  const live = err.isTTY === true;
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    err.write('\nstopping: workers end within about a second (Ctrl-C again to quit at once)\n');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let lastLine = 0;
  try {
    const result = await runLocal({
      settings,
      outDir: options.out,
      signal: stop.signal,
      onPlan: (plan) => err.write(`${formatPlan(plan)}\n`),
      log: (message) => err.write(`${live ? '\r\x1b[K' : ''}${message}\n`),
      onProgress: (progress) => {
        if (live) err.write(`\r\x1b[K${progress.line()}`);
        else if (Date.now() - lastLine >= 5000) {
          lastLine = Date.now();
          err.write(`${progress.line()}\n`);
        }
      },
    });
    if (live) err.write('\r\x1b[K');
    if (options.json) process.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
    else process.stdout.write(`${formatSummary(result.report, result.reportPath)}\n`);
    if (result.report.status === 'failed') return EXIT_FAILED;
    return result.report.thresholds.some((threshold) => !threshold.passed) ? EXIT_THRESHOLD : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function buildProgram(): Command {
  const program = new Command('fanout')
    .description('Serverless fan-out HTTP load generator: step the load up, merge HDR histograms exactly, name the knee under your SLO.')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run fanout --help for usage)');

  program
    .command('run')
    .description('Plan and run a load test (on this machine by default), then write <out>/<runId>/report.json')
    .argument('[scenario]', 'scenario file (YAML or JSON); flags override its fields')
    .option('--target <url>', 'URL to load (a plain --target with no scenario means GET that URL); "demo" starts the built-in demo target')
    .option('-u, --users <n>', 'virtual users (closed model), each on its own keep-alive connection')
    .option('-r, --spawn-rate <n>', 'users started per second while the user count rises (default: ramp over a tenth of a step, at most 10s)')
    .option('-d, --duration <time>', 'how long to run, e.g. 30s, 5m, 1h (with --steps: split over the steps)')
    .option('--rate <n>', 'arrival rate in requests per second (open model)')
    .addOption(new Option('--model <model>', 'closed (users) or open (arrival rate); inferred from --users / --rate').choices(['closed', 'open']))
    .option('--steps <from:to:step>', 'step the load: e.g. 1000:20000:1000 users (or req/s in the open model)')
    .option('--step-duration <time>', 'how long each step lasts, e.g. 1m')
    .option('--workers <n>', 'workers per step (default: sized so each holds at most 900 users, a Lambda having 1024 file descriptors)')
    .option('--slice-duration <time>', 'longest time slice one worker invocation runs (default 60s, at most 14m)')
    .option('--think-time <time>', 'pause between a user\'s requests: 1s, or a range 0.5s-1.5s')
    .option('--timeout <time>', 'per-request timeout (default 30s)')
    .option('--max-in-flight <n>', 'open model: most requests in flight at once (connections)')
    .option('--slo <expr>', 'service level objective judged per step, e.g. "p95<1s"; the report names the knee')
    .option('--threshold <expr>', 'k6-style pass/fail on the totals, e.g. "p95<500ms", "errors<1%" (repeatable); exit code 99 when broken', collect)
    .option('-o, --out <dir>', 'where runs are written', './fanout-runs')
    .option('--json', 'print the report JSON to stdout instead of the summary')
    .addOption(new Option('--platform <platform>', 'where the load runs').default('local'))
    .action(async (scenario: string | undefined, options: RunCommandOptions) => {
      process.exitCode = await runCommand(scenario, options);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      // commander has printed its message; every parse error is bad input.
      return EXIT_BAD_INPUT;
    }
    if (error instanceof InputError) {
      process.stderr.write(`fanout: bad input, nothing was started\n${error.problems.map((problem) => `  ${problem.field}: ${problem.message}`).join('\n')}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`fanout: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv);
