import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, Option } from 'commander';
import { InputError } from '../lib/config/input-error.js';
import { settingsFromCli } from '../lib/config/cli-settings.js';
import type { RunFlags } from '../lib/config/run-settings.js';
import { formatCostEstimate } from '../lib/cost/estimate-cost.js';
import { formatPlan } from '../lib/plan/format-plan.js';
import { remoteProgressLine } from '../lib/progress/remote-progress.js';
import { formatSummary } from '../lib/report/console-summary.js';
import { openInBrowser } from '../lib/report/open-in-browser.js';
import { readLocalReportArgument, writeReportHtml } from '../lib/report/report-file.js';
import type { Report } from '../lib/report/report-types.js';
import type { AwsFlags } from '../lib/run/aws-connection.js';
import { handleInterrupts } from '../lib/run/interrupts.js';
import type { RunLocation } from '../lib/run/run-lookup.js';
import { scrubCredentialPatterns } from '../lib/secrets/credential-patterns.js';
import type { UiFlags } from '../lib/ui/serve-ui.js';

// What only some commands need (the AWS SDK, the engine, the UI server) is loaded when they run:
// bad input is refused, and `--help` answers, without loading it.
const aws = () => import('../lib/run/aws-connection.js');
const lookups = () => import('../lib/run/run-lookup.js');

/** Exit codes: 0 done, 1 the run failed, 2 bad input (nothing started), 99 a threshold failed (as k6). */
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_THRESHOLD = 99;

interface RunCommandOptions extends RunFlags, AwsFlags {
  out: string;
  json?: boolean;
  platform: string;
  maxCost: string;
  yes?: boolean;
}

interface LookupOptions extends AwsFlags {
  out: string;
  json?: boolean;
  platform: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];


/** Live lines: rewritten in place on a terminal, one every 5 s otherwise (CI logs). */
function progressWriter(): { line: (text: string) => void; log: (text: string) => void; clear: () => void } {
  const err = process.stderr;
  const live = err.isTTY === true;
  let lastLine = 0;
  return {
    line: (text) => {
      if (live) err.write(`\r\x1b[K${text}`);
      else if (Date.now() - lastLine >= 5000) {
        lastLine = Date.now();
        err.write(`${text}\n`);
      }
    },
    log: (text) => err.write(`${live ? '\r\x1b[K' : ''}${text}\n`),
    clear: () => {
      if (live) err.write('\r\x1b[K');
    },
  };
}

function exitCodeOf(report: Report): number {
  if (report.status === 'failed') return EXIT_FAILED;
  return report.thresholds.some((threshold) => !threshold.passed) ? EXIT_THRESHOLD : 0;
}

function printReport(report: Report, reportPath: string, json: boolean | undefined): void {
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatSummary(report, reportPath)}\n`);
}

function parseMaxCost(text: string): number {
  const value = Number(text.replace(/^\$/, ''));
  if (!Number.isFinite(value) || value < 0) throw new InputError([{ field: '--max-cost', message: `expected US dollars such as 5 or 0.50, got ${JSON.stringify(text)}` }]);
  return value;
}

async function askYesNo(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

/** --api or --stack mean AWS whatever --platform says; otherwise --platform decides. */
function platformOf(options: { platform: string } & AwsFlags): 'local' | 'aws' {
  if (options.api !== undefined || options.stack !== undefined) return 'aws';
  if (options.platform === 'local' || options.platform === 'aws') return options.platform;
  throw new InputError([{ field: '--platform', message: `expected local or aws, got "${options.platform}"` }]);
}

async function runCommand(scenario: string | undefined, options: RunCommandOptions): Promise<number> {
  const platform = platformOf(options);
  const settings = await settingsFromCli(scenario, options);
  if (platform === 'aws') return runAwsCommand(settings, options);
  const out = progressWriter();
  let runId: string | undefined;
  const stop = handleInterrupts({
    message: 'stopping: workers end within about a second',
    onForce: async () => {
      if (runId === undefined) return undefined;
      const { finalizeOnDisk } = await import('../lib/run/finalize-on-disk.js');
      const { report, reportPath } = await finalizeOnDisk(options.out, runId, 'the run was stopped at once by a second interrupt');
      return `report (${report.status}, ${report.totals.requests} requests on disk): ${reportPath}`;
    },
  });
  const { runLocal } = await import('../lib/run/run-local.js');
  try {
    const result = await runLocal({
      settings,
      outDir: options.out,
      signal: stop.signal,
      onPlan: (plan) => {
        runId = plan.runId;
        process.stderr.write(`${formatPlan(plan)}\n`);
      },
      log: out.log,
      onProgress: (progress) => out.line(progress.line()),
    });
    out.clear();
    printReport(result.report, result.reportPath, options.json);
    return exitCodeOf(result.report);
  } finally {
    stop.dispose();
  }
}

async function runAwsCommand(settings: Awaited<ReturnType<typeof settingsFromCli>>, options: RunCommandOptions): Promise<number> {
  if (settings.target === 'demo') {
    throw new InputError([{ field: '--target', message: 'the demo target runs only with --platform local; give a URL the Lambda workers can reach' }]);
  }
  const maxCostUsd = parseMaxCost(options.maxCost);
  const { runAws } = await import('../lib/run/run-aws.js');
  const stack = await (await aws()).connectAws(options);
  const out = progressWriter();
  let runId: string | undefined;
  const stop = handleInterrupts({
    message: 'stopping: the stack tells every worker within about 2 s',
    // The stack finalises the run and writes its report whatever this process does.
    onForce: async () => (runId === undefined ? undefined : `the stack writes the report; fanout report ${runId} --api ${stack.apiUrl} downloads it`),
  });
  try {
    const result = await runAws({
      settings,
      api: stack.client,
      outDir: options.out,
      workerMemoryMb: stack.workerMemoryMb,
      architecture: stack.architecture,
      maxCostUsd,
      yes: options.yes === true,
      confirm: askYesNo,
      signal: stop.signal,
      onPlan: (plan, estimate) => process.stderr.write(`${formatPlan(plan)}\n${formatCostEstimate(estimate)}\n`),
      onStarted: (started) => {
        runId = started;
        out.log(`run ${started} started on ${stack.apiUrl} (fanout status ${started} / fanout stop ${started})`);
      },
      onProgress: (status) => out.line(remoteProgressLine(status)),
      log: out.log,
    });
    out.clear();
    printReport(result.report, result.reportPath, options.json);
    return exitCodeOf(result.report);
  } finally {
    stop.dispose();
  }
}

async function locate(options: LookupOptions): Promise<RunLocation> {
  if (platformOf(options) === 'local') return { platform: 'local', outDir: options.out };
  return { platform: 'aws', api: (await (await aws()).connectAws(options)).client, outDir: options.out };
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
    .option('--timeout <time>', 'deadline of each whole request: connect, head and body (default 30s)')
    .option('--insecure', 'accept any TLS certificate (a self-signed staging host); the report warns')
    .option('--warm-up <time>', 'the first part of every slice (a fresh worker: JIT, new connections) measured apart and kept out of the steps, e.g. 1s')
    .option('--max-in-flight <n>', 'open model: most requests in flight at once (connections)')
    .option('--slo <expr>', 'service level objective judged per step, e.g. "p95<1s"; the report names the knee')
    .option('--threshold <expr>', 'k6-style pass/fail on the totals, e.g. "p95<500ms", "errors<1%" (repeatable); exit code 99 when broken', collect)
    .option('-o, --out <dir>', 'where runs are written', './fanout-runs')
    .option('--json', 'print the report JSON to stdout instead of the summary')
    .addOption(new Option('--platform <platform>', 'where the load runs: this machine, or a deployed stack (npx sls deploy)').choices(['local', 'aws']).default('local'))
    .option('--api <url>', 'aws: the stack\'s HTTP API URL (its HttpApiUrl output, or the one `npm run emulate` prints)')
    .option('--stack <name>', 'aws: the CloudFormation stack to read the API URL from (default fanout-dev)')
    .option('--region <region>', 'aws: the stack\'s region (default: AWS_REGION, or the API URL\'s)')
    .option('--max-cost <usd>', 'aws: ask before starting a run whose estimate is above this many US dollars', '1')
    .option('-y, --yes', 'aws: start without asking, whatever the estimate')
    .option('--worker-memory <mb>', 'aws: the worker\'s memory for the estimate when the stack cannot be read (default 1024)')
    .addOption(new Option('--architecture <arch>', 'aws: the worker\'s architecture for the estimate (default arm64)').choices(['arm64', 'x86_64']))
    .action(async (scenario: string | undefined, options: RunCommandOptions) => {
      process.exitCode = await runCommand(scenario, options);
    });

  const lookup = (name: string, description: string, argument = 'the run id (printed when the run starts)') =>
    program
      .command(name)
      .description(description)
      .argument('<id>', argument)
      .addOption(new Option('--platform <platform>', 'where the run is').choices(['local', 'aws']).default('local'))
      .option('--api <url>', 'the stack\'s HTTP API URL (implies --platform aws)')
      .option('--stack <name>', 'the CloudFormation stack (implies --platform aws; default fanout-dev)')
      .option('--region <region>', 'the stack\'s region')
      .option('-o, --out <dir>', 'where local runs are, and where reports are downloaded to', './fanout-runs');

  lookup('status', 'Show a run\'s status, live progress and the steps merged so far')
    .option('--json', 'print the status as JSON')
    .action(async (runId: string, options: LookupOptions) => {
      const { text, json } = await (await lookups()).runStatusText(await locate(options), runId);
      process.stdout.write(`${options.json ? JSON.stringify(json, null, 2) : text}\n`);
    });
  program
    .command('runs')
    .description('List runs, newest first: on this machine, or on the stack (where --owner me lists the runs you started)')
    .addOption(new Option('--platform <platform>', 'where the runs are').choices(['local', 'aws']).default('local'))
    .option('--api <url>', 'the stack\'s HTTP API URL (implies --platform aws)')
    .option('--stack <name>', 'the CloudFormation stack (implies --platform aws; default fanout-dev)')
    .option('--region <region>', 'the stack\'s region')
    .option('--owner <arn>', 'aws: only the runs this IAM identity started; "me" for your own')
    .option('--limit <n>', 'at most this many', '50')
    .option('-o, --out <dir>', 'where local runs are', './fanout-runs')
    .option('--json', 'print the runs as JSON')
    .action(async (options: LookupOptions & { owner?: string; limit: string }) => {
      const runLookup = await lookups();
      const limit = runLookup.parseRunListLimit(options.limit);
      const { text, json } = await runLookup.listRunsText(await locate(options), options.owner, limit);
      process.stdout.write(`${options.json ? JSON.stringify(json, null, 2) : text}\n`);
    });
  lookup('stop', 'Stop a running run: every worker ends within about 2 s, and the report (status aborted) still comes').action(
    async (runId: string, options: LookupOptions) => {
      process.stdout.write(`${await (await lookups()).stopRunText(await locate(options), runId)}\n`);
    },
  );
  lookup(
    'report',
    'Print a finished run\'s summary and write its report.html beside report.json (on aws: download report.json to <out>/<id>/ first)',
    'the run id, or (on this machine) a report.json file or a run\'s folder',
  )
    .option('--json', 'print the report JSON instead of the summary')
    .option('--open', 'open report.html in the default browser (where there is none, its path is printed)')
    .action(async (runId: string, options: LookupOptions & { open?: boolean }) => {
      const local = platformOf(options) === 'local' ? await readLocalReportArgument(runId) : undefined;
      const { report, reportPath } = local ?? (await (await lookups()).fetchReport(await locate(options), runId));
      printReport(report, reportPath, options.json);
      const htmlPath = await writeReportHtml(reportPath, report);
      process.stderr.write(`report.html: ${htmlPath}\n`);
      if (options.open && !(await openInBrowser(htmlPath))) process.stderr.write(`no program to open it was found: open ${htmlPath} in a browser\n`);
      process.exitCode = exitCodeOf(report);
    });

  program
    .command('ui')
    .description('Serve the web UI: start runs, watch them live (RPS, response times, users, errors), stop them, read past reports')
    .option('--port <n>', 'port to listen on', '8089')
    .option('--host <address>', 'address to listen on (the default, 127.0.0.1, lets only this machine in)', '127.0.0.1')
    .option('--allow-host <name>', 'another name the page may be opened by (this machine\'s name on the network, a proxy\'s), as NAME or NAME:PORT; repeatable', collect)
    .option('-o, --out <dir>', 'where runs are written and read', './fanout-runs')
    .option('--api <url>', 'aws: the stack\'s HTTP API URL, to start runs on AWS from the UI too')
    .option('--stack <name>', 'aws: the CloudFormation stack to read the API URL from')
    .option('--region <region>', 'aws: the stack\'s region')
    .option('--max-cost <usd>', 'aws: runs estimated above this many US dollars start only once their estimate is confirmed in the page', '1')
    .action(async (options: UiFlags) => {
      const { serveUi } = await import('../lib/ui/serve-ui.js');
      const server = await serveUi(options, (message) => process.stderr.write(`${message}\n`));
      process.stdout.write(`fanout ui: ${server.url} (Ctrl-C to quit)\nthe token in this address lets whoever has it start runs: keep it to yourself\n`);
      const stop = handleInterrupts({
        message: 'closing: a run still going is stopped first, and its report written',
        onForce: async () => {
          const written = await server.finalizeNow();
          return written.length === 0 ? undefined : written.map((path) => `report: ${path}`).join('\n');
        },
      });
      await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
      stop.dispose();
      await server.close();
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
    // A message may echo what was given (a URL with user:pass@, a header): credentials are hidden.
    if (error instanceof InputError) {
      const lines = error.problems.map((problem) => scrubCredentialPatterns(`  ${problem.field}: ${problem.message}`));
      process.stderr.write(`fanout: bad input, nothing was started\n${lines.join('\n')}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`fanout: ${scrubCredentialPatterns(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv);
