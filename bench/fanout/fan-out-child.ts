import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { lambdaClient } from '../../lib/adapters/aws/aws-clients.js';
import { LambdaInvoker } from '../../lib/adapters/aws/lambda-invoker.js';
import { LocalBlobStore } from '../../lib/adapters/local/local-blob-store.js';
import { LocalResultStore } from '../../lib/adapters/local/local-result-store.js';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import { startRun } from '../../lib/coordinator/start-run.js';
import { planRun } from '../../lib/plan/run-plan.js';
import type { SliceTask } from '../../lib/plan/slice-task.js';
import type { AggregateRequest, Invoker } from '../../lib/ports/invoker.js';

/**
 * The coordinator's fan-out as it runs on AWS: startRun() with a plan of N first-slice workers,
 * invoking through LambdaInvoker (the AWS SDK's InvokeCommand, InvocationType Event, p-limit) against
 * the local Invoke API at argv[2]. Prints the time from the first invoke to the last 202.
 */
export interface FanOutTimings {
  workers: number;
  accepted: number;
  fanOutMs: number;
  startRunMs: number;
  firstInvokeAfterMs: number;
}

const [endpoint, workersText] = process.argv.slice(2);
const workers = Number(workersText);
const settings = resolveRunSettings(
  parseScenario({ target: 'http://127.0.0.1:9/', load: { users: workers, workers, duration: '60s' } }, 'bench'),
);
const plan = planRun(settings, { platform: 'aws', runId: 'bench-fanout' });
const dir = await mkdtemp(join(tmpdir(), 'fanout-bench-coordinator-'));
const lambda = new LambdaInvoker(lambdaClient({ region: 'us-east-1', endpoints: { lambda: endpoint! } }), {
  workerFunction: 'fanout-worker',
  aggregatorFunction: 'fanout-aggregator',
});
let first = 0;
let last = 0;
let accepted = 0;
const timed: Invoker = {
  invokeSlice: async (task: SliceTask) => {
    if (first === 0) first = performance.now();
    await lambda.invokeSlice(task);
    accepted++;
    last = performance.now();
  },
  invokeAggregator: (request: AggregateRequest) => lambda.invokeAggregator(request),
};
try {
  const started = performance.now();
  await startRun(plan, { blobs: new LocalBlobStore(dir), results: new LocalResultStore(dir), invoker: timed }, { barrierMs: 30_000 });
  const timings: FanOutTimings = {
    workers,
    accepted,
    fanOutMs: last - first,
    startRunMs: performance.now() - started,
    firstInvokeAfterMs: first - started,
  };
  process.stdout.write(`${JSON.stringify(timings)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
