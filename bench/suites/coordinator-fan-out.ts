import { spawn } from 'node:child_process';
import { benchScript, lastJson, runChild } from '../child-process.js';
import type { FanOutTimings } from '../fanout/fan-out-child.js';
import { GENERATOR_CORE, pinned, TARGET_CORE } from '../machine.js';
import { table, type BenchContext, type BenchSection } from '../section.js';
import { median, round, thousands } from '../stats.js';

/**
 * (d) The coordinator's fan-out: N first-slice invocations issued (each answered 202) against the
 * local Lambda Invoke API, through the same code as on AWS (startRun → LambdaInvoker → AWS SDK).
 */
const TARGET_MS = 5000;

interface Endpoint {
  url: string;
  stop(): Promise<number>;
}

async function startEndpoint(): Promise<Endpoint> {
  const script = benchScript('../fanout/lambda-endpoint-process.js', import.meta.url);
  const { command, args } = pinned(TARGET_CORE, process.execPath, [script]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffered = '';
  const listeners: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
    for (const listener of listeners.splice(0)) listener();
  });
  const nextLine = (index: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => (lines[index] !== undefined ? resolve(lines[index]!) : listeners.push(check));
      child.once('exit', (code) => lines[index] === undefined && reject(new Error(`the Lambda endpoint exited (${code})`)));
      check();
    });
  const { url } = JSON.parse(await nextLine(0)) as { url: string };
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      return (JSON.parse(await nextLine(1)) as { invocations: number }).invocations;
    },
  };
}

export async function coordinatorFanOut(context: BenchContext): Promise<BenchSection> {
  const workers = context.smoke ? 20 : 1000;
  const runs: Array<FanOutTimings & { received: number }> = [];
  for (let roundIndex = 0; roundIndex < context.rounds; roundIndex++) {
    const endpoint = await startEndpoint();
    let timings: FanOutTimings;
    try {
      const script = benchScript('../fanout/fan-out-child.js', import.meta.url);
      const { command, args } = pinned(GENERATOR_CORE, process.execPath, [script, endpoint.url, String(workers)]);
      // Any credentials do for a local endpoint; the SDK signs with them.
      const env = { ...process.env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1' };
      timings = lastJson<FanOutTimings>(await runChild(command, args, { timeoutMs: 120_000, env }), 'the fan-out');
    } finally {
      const received = await endpoint.stop();
      runs.push({ ...timings!, received });
    }
    const run = runs[runs.length - 1]!;
    context.log(`  ${workers} invocations: ${round(run.fanOutMs, 0)} ms (startRun ${round(run.startRunMs, 0)} ms), ${run.accepted} accepted, ${run.received} received by the endpoint`);
  }
  const fanOut = median(runs.map((run) => run.fanOutMs));
  const allArrived = runs.every((run) => run.accepted === workers && run.received === workers);
  const markdown = [
    `startRun() (lib/coordinator/start-run.ts) with a plan of ${thousands(workers)} first-slice workers, invoking through LambdaInvoker ` +
      `(lib/adapters/aws/lambda-invoker.ts: AWS SDK v3 InvokeCommand, InvocationType Event, p-limit) — the code the coordinator runs on AWS. ` +
      `The Invoke API is the project's Lambda emulator (lib/emulate/lambda-emulator.ts) in its own process on core 1, with handlers that only count; ` +
      `the coordinator runs on core 0. Fan-out = first invoke to last 202. ${context.rounds} runs, each in fresh processes.`,
    '',
    table(
      ['measure', 'median', 'every run', 'target'],
      [
        [`${thousands(workers)} invocations issued`, `${round(fanOut, 0)} ms`, runs.map((run) => round(run.fanOutMs, 0)).join(', '), `≤ ${TARGET_MS} ms`],
        ['whole startRun() (plan stored, run item written, fan-out)', `${round(median(runs.map((run) => run.startRunMs)), 0)} ms`, '', ''],
        ['invocations accepted / received by the endpoint', `${runs[0]!.accepted} / ${runs[0]!.received}`, allArrived ? 'all runs complete' : 'SOME MISSING', `${workers}`],
      ],
    ),
    '',
    'Real Lambda adds its own latency per Invoke call (tens of ms) and may throttle bursts; the SDK retries throttled calls (6 attempts).',
  ].join('\n');
  return {
    id: 'coordinator-fan-out',
    title: 'Coordinator fan-out',
    markdown,
    verdicts: [
      {
        target: `${thousands(workers)} worker invocations issued in ≤ ${TARGET_MS / 1000} s (local Invoke API)`,
        measured: `${round(fanOut, 0)} ms${allArrived ? '' : ', some invocations missing'}`,
        met: context.smoke ? undefined : fanOut <= TARGET_MS && allArrived,
      },
    ],
  };
}
