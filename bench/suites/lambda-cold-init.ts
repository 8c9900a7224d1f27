import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FanoutApiClient } from '../../lib/api/api-client.js';
import { BundledFunction, type EnvironmentStart } from '../../lib/emulate/bundled-function.js';
import { EMULATOR_CREDENTIALS } from '../../lib/emulate/emulator-credentials.js';
import { handlerSetting, lambdaFunctionEnv, startEmulatedStack } from '../../lib/emulate/emulated-stack.js';
import type { FunctionBundle } from '../../lib/emulate/function-bundles.js';
import { nodeMajorOfRuntime, nodePackageName } from '../../lib/emulate/lambda-node.js';
import { packageFunctions } from '../../lib/emulate/packaged-functions.js';
import { FUNCTIONS, type FunctionKey } from '../../lib/lambda/function-specs.js';
import type { SliceTask } from '../../lib/plan/slice-task.js';
import { firstInvocations } from '../lambda/first-invocations.js';
import { table, type BenchContext, type BenchSection } from '../section.js';
import { median, round, thousands } from '../stats.js';

/**
 * (f) The deployment packages: each function's zip from `sls package` (size), unpacked alone and
 * started as its Lambda runtime would, in a fresh process of the runtime's Node major: init (spawn
 * to handler loaded) and a first invocation that goes through the AWS SDK to the emulated stack.
 */
interface Sample extends EnvironmentStart {
  firstInvokeMs: number;
}

const kb = (bytes: number) => `${thousands(bytes / 1000)} KB`;
const ms = (value: number) => `${round(value, 0)} ms`;

/** A target for the one run the first invocations look at. */
async function startOkServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_request, response) => response.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export async function lambdaColdInit(context: BenchContext): Promise<BenchSection> {
  const target = await startOkServer();
  try {
    const { runtime, node, unpacked, stackBundles } = await packageFunctions({ log: context.log });
    const { bundles } = unpacked;
    const keys = Object.keys(FUNCTIONS) as FunctionKey[];
    const samples = new Map<FunctionKey, Sample[]>(keys.map((key) => [key, []]));
    const failed: string[] = [];
    try {
      const stack = await startEmulatedStack({ barrierMs: 3000, stragglerGraceMs: 1000, watchPollMs: 250, bundles: stackBundles });
      try {
        // One small run, so that each first invocation below finds something real to work on.
        const api = new FanoutApiClient({ baseUrl: stack.apiUrl, region: stack.region, credentials: async () => EMULATOR_CREDENTIALS });
        const scenario = { target: target.url, load: { users: 2, duration: '2s', workers: 1 } };
        const { runId } = await api.startRun(scenario);
        while ((await api.getRun(runId)).run.status === 'running') await sleep(250);
        await stack.lambda.whenIdle();
        const firstSlice = stack.lambda.invocations.find((invocation) => invocation.functionName === stack.functions.worker)!.payload as SliceTask;
        const invocations = firstInvocations(runId, scenario, firstSlice);

        for (let roundIndex = 0; roundIndex < context.rounds; roundIndex++) {
          for (const key of keys) {
            const fn = new BundledFunction({
              name: stack.functions[key],
              directory: bundles[key].directory,
              handler: handlerSetting(key),
              runtime,
              node: node.path,
              env: () => lambdaFunctionEnv(stack.env),
              timeoutS: FUNCTIONS[key].timeoutS,
            });
            try {
              const result = await fn.invoke(invocations[key].event, {
                functionName: stack.functions[key],
                awsRequestId: randomUUID(),
                getRemainingTimeInMillis: () => FUNCTIONS[key].timeoutS * 1000,
              });
              invocations[key].check(result);
              const start = fn.starts[0]!;
              samples.get(key)!.push({ ...start, firstInvokeMs: start.firstInvokeMs ?? NaN });
              context.log(`  ${key}: init ${ms(start.initMs)} (import ${ms(start.importMs)}), first invocation ${ms(start.firstInvokeMs ?? NaN)}`);
            } catch (error) {
              failed.push(`${key}: ${error instanceof Error ? error.message : String(error)}`);
              context.log(`  ${key} FAILED: ${error instanceof Error ? error.message : String(error)}\n${fn.output}`);
            } finally {
              await fn.close();
            }
          }
        }
      } finally {
        await stack.lambda.whenIdle();
        await stack.close();
      }
    } finally {
      await unpacked.remove();
    }
    return section(context, { runtime, nodeVersion: node.version, bundles, samples, failed });
  } finally {
    await target.close();
  }
}

function section(
  context: BenchContext,
  measured: { runtime: string; nodeVersion: string; bundles: Record<FunctionKey, FunctionBundle>; samples: Map<FunctionKey, Sample[]>; failed: string[] },
): BenchSection {
  const { runtime, nodeVersion, bundles, samples, failed } = measured;
  const keys = Object.keys(FUNCTIONS) as FunctionKey[];
  const rows = keys.map((key) => {
    const runs = samples.get(key)!;
    return [
      key,
      kb(bundles[key].zipBytes),
      kb(bundles[key].unzippedBytes),
      ms(median(runs.map((run) => run.initMs))),
      ms(median(runs.map((run) => run.importMs))),
      ms(median(runs.map((run) => run.firstInvokeMs))),
      runs.map((run) => round(run.initMs + run.firstInvokeMs, 0)).join(', '),
    ];
  });
  const markdown = [
    `\`sls package\` of serverless.yml with its defaults (${runtime}; serverless-esbuild: ES modules, target node${nodeMajorOfRuntime(runtime)}, the AWS SDK bundled ` +
      `and tree-shaken). Each zip is unpacked alone into an empty folder under the system's temporary directory (no node_modules anywhere above it) and run ` +
      `as Lambda's runtime runs it (lib/emulate/bundled-function.ts): a fresh process of node ${nodeVersion} (the npm registry's ${nodePackageName()}) ` +
      `per measurement; **init** = spawn → handler module imported, of which **import** is the module's own load; then a **first invocation** that ` +
      `goes through the AWS SDK to the emulated stack on 127.0.0.1 (S3, DynamoDB and Lambda emulators) and changes nothing: the API's GET /runs/{id} ` +
      `of a finished run, the coordinator asked to start that run again (it plans, checks the quotas through the Lambda API, refuses: exists), a ` +
      `duplicate of one of its slices (the worker reads the plan, its claim fails: duplicate), the aggregator finalising it again (merge, report.json ` +
      `and report.html written). ${context.rounds} fresh processes per function, interleaved; medians. Not pinned to a core.`,
    '',
    table(['function', 'zip', 'unzipped', 'init (median)', 'of which import', 'first invocation (median)', 'init + first invocation, every run (ms)'], rows),
    '',
    `On Lambda a cold start also includes creating the sandbox and the runtime's own start, and a function's CPU share follows its memory ` +
      `(1769 MB is one vCPU; the api and coordinator have 512 MB, worker and aggregator 1024 MB), so expect init there to take a few times ` +
      `this machine's. The SDK is in every zip: left to the runtime, the zips loaded nowhere on Node 24 ` +
      `(\`Cannot find package '@aws-sdk/client-dynamodb'\`).`,
    ...(failed.length > 0 ? ['', `**Failed:** ${failed.join('; ')}`] : []),
  ].join('\n');
  const loaded = keys.filter((key) => samples.get(key)!.length === context.rounds).length;
  return {
    id: 'lambda-cold-init',
    title: `Lambda packages: zip sizes and cold init on Node ${nodeMajorOfRuntime(runtime)}`,
    markdown,
    verdicts: [
      {
        target: `every function's zip loads alone and answers its first invocation on node ${nodeMajorOfRuntime(runtime)} (${runtime})`,
        measured: `${loaded} of ${keys.length}; zips ${keys.map((key) => kb(bundles[key].zipBytes)).join(', ')}`,
        met: failed.length === 0,
      },
    ],
  };
}
