import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalBlobStore } from '../adapters/local/local-blob-store.js';
import { LocalInvoker } from '../adapters/local/local-invoker.js';
import { LocalResultStore } from '../adapters/local/local-result-store.js';
import { aggregateStep, finalizeRun } from '../aggregate/aggregate-run.js';
import type { RunSettings } from '../config/run-settings.js';
import { startRun } from '../coordinator/start-run.js';
import { startDemoTarget, type DemoTarget } from '../demo/demo-target.js';
import { LiveProgress } from '../progress/live-progress.js';
import { planRun, type RunPlan } from '../plan/run-plan.js';
import { reportKey } from '../plan/slice-task.js';
import { sealSettings } from '../secrets/sealed-settings.js';
import { checkFileLimit, type FileLimit } from './file-limit.js';
import { recordRunProcess } from './run-process.js';
import type { Report } from '../report/report-types.js';

export interface LocalRunOptions {
  settings: RunSettings;
  /** Folder for runs: `<outDir>/<runId>/report.json`, slice histograms, the runs table. */
  outDir: string;
  /** Called with the plan before any load is sent. */
  onPlan?: (plan: RunPlan) => void;
  /** Called about every second with the live progress. */
  onProgress?: (progress: LiveProgress) => void;
  log?: (message: string) => void;
  /** Aborting it stops the run: workers see the stop flag within about a second. */
  signal?: AbortSignal;
  threads?: number;
  runId?: string;
  /** The process's open-file limit (read from the system unless given). */
  fileLimit?: FileLimit;
}

export interface LocalRunResult {
  report: Report;
  reportPath: string;
  runDir: string;
}

/** Local start barrier: time for the worker threads to load before the first slice starts. */
const LOCAL_BARRIER_MS = 1000;
/** After the planned end, how long stragglers get before the run is finalised with what arrived. */
const STRAGGLER_GRACE_MS = 10_000;

/**
 * The embedded default: the cloud's pipeline on one machine. The coordinator, worker and aggregator
 * cores run unchanged; worker threads stand in for Lambda, a folder for S3 and DynamoDB.
 */
export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  let log = options.log ?? (() => {});
  const outDir = resolve(options.outDir);
  let settings = options.settings;
  let demo: DemoTarget | undefined;
  if (settings.target === 'demo') {
    const spec = settings.demo!;
    demo = await startDemoTarget({ slots: spec.slots, serviceTimeMs: spec.serviceTime, port: spec.port });
    log(`demo target: ${spec.slots} slots × ${spec.serviceTime} ms service time (capacity ≈ ${Math.round((spec.slots * 1000) / spec.serviceTime)} req/s) at ${demo.url}`);
    settings = { ...settings, target: demo.url };
  }
  const cores = options.threads ?? availableParallelism();
  let plan: RunPlan;
  // From here on the plan, the run's files, its log and its report carry markers for the secrets;
  // the worker threads get the values in memory.
  let sealed: ReturnType<typeof sealSettings>;
  try {
    sealed = sealSettings(settings);
    plan = planRun(sealed.settings, { platform: 'local', minWorkers: cores, runId: options.runId, sealedSecrets: sealed.secrets.entries.length });
    checkFileLimit(plan, options.fileLimit);
  } catch (error) {
    await demo?.close();
    throw error;
  }
  log = sealed.redactor.log(log);
  options.onPlan?.(plan);

  const blobs = new LocalBlobStore(outDir);
  const results = new LocalResultStore(outDir);
  const deps = { blobs, results };
  let startAt = Date.now() + LOCAL_BARRIER_MS;
  const progress = new LiveProgress(plan, () => startAt);
  const invoker = new LocalInvoker({
    root: outDir,
    threads: Math.min(cores, plan.lanes.length),
    secrets: { [plan.runId]: sealed.secrets },
    onAggregate: async (request) => {
      if (request.step !== undefined) await aggregateStep(deps, request.runId, request.step);
    },
    onInterval: (task, step, interval) => progress.addInterval(task.lane, step, interval),
    onRunningTotals: (part, totals) => progress.setRunningTotals(part, totals),
    log,
  });

  const stop = () => void results.requestStop(plan.runId).catch((error: unknown) => log(`stop failed: ${String(error)}`));
  options.signal?.addEventListener('abort', stop, { once: true });
  const ticker = options.onProgress && setInterval(() => options.onProgress!(progress), 1000);
  try {
    const record = await startRun(plan, { ...deps, invoker }, { barrierMs: LOCAL_BARRIER_MS });
    await recordRunProcess(outDir, plan.runId);
    startAt = record.startAt;
    const deadline = record.plannedEndAt + record.drainMs + STRAGGLER_GRACE_MS;
    const overdue = new AbortController();
    const finished = await Promise.race([
      invoker.whenIdle().then(() => true),
      sleep(Math.max(0, deadline - Date.now()), false, { signal: overdue.signal }).catch(() => false),
    ]);
    overdue.abort();
    if (!finished) log(`workers still running ${STRAGGLER_GRACE_MS / 1000}s past the planned end: finalising with the slices that arrived`);
    for (const failure of invoker.failures) log(failure);
    const report = await finalizeRun(deps, plan.runId);
    return { report, reportPath: join(outDir, ...reportKey(plan.runId).split('/')), runDir: join(outDir, plan.runId) };
  } finally {
    if (ticker) clearInterval(ticker);
    options.signal?.removeEventListener('abort', stop);
    await invoker.close();
    await demo?.close();
  }
}
