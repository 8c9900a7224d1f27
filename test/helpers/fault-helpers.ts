import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient, s3Client } from '../../lib/adapters/aws/aws-clients.js';
import { runPk, RUN_SK } from '../../lib/adapters/aws/runs-table.js';
import { runRecordFromItem } from '../../lib/adapters/aws/table-items.js';
import { startEmulatedStack, type EmulatedStack, type EmulatedStackOptions } from '../../lib/emulate/emulated-stack.js';
import type { InvocationRecord } from '../../lib/emulate/lambda-emulator.js';
import type { SliceTask } from '../../lib/plan/slice-task.js';
import type { RunRecord } from '../../lib/ports/result-store.js';
import type { Report } from '../../lib/report/report-types.js';

/** A short stack for fault tests: fast polls and retries, a second of straggler grace. */
export async function faultStack(options: EmulatedStackOptions): Promise<EmulatedStack> {
  return startEmulatedStack({ stragglerGraceMs: 1000, watchPollMs: 250, retryDelaysMs: [300, 600], ...options });
}

/** The run's item, read from DynamoDB itself (not through the API, whose reads finalise overdue runs). */
export async function runItem(stack: EmulatedStack, runId: string): Promise<RunRecord | undefined> {
  const { Item } = await dynamoDocumentClient(stack.storageConnection).send(
    new GetCommand({ TableName: stack.table, Key: { pk: runPk(runId), sk: RUN_SK }, ConsistentRead: true }),
  );
  return Item ? runRecordFromItem(Item) : undefined;
}

/** Waits, reading the table only (nobody polls the API), until the run has ended. */
export async function waitForFinalInTable(stack: EmulatedStack, runId: string, timeoutMs: number): Promise<{ run: RunRecord; at: number }> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const run = await runItem(stack, runId);
    if (run && run.status !== 'running') return { run, at: Date.now() };
    if (Date.now() > giveUpAt) throw new Error(`run ${runId} still ${run?.status ?? 'absent'} after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/** report.json as the stack wrote it to S3. */
export async function storedReport(stack: EmulatedStack, runId: string): Promise<Report> {
  const object = await s3Client(stack.storageConnection).send(new GetObjectCommand({ Bucket: stack.bucket, Key: `runs/${runId}/report.json` }));
  return JSON.parse(await object.Body!.transformToString()) as Report;
}

export const taskOf = (invocation: InvocationRecord) => invocation.payload as SliceTask;

/** The invocations of one function of one run. */
export function invocationsOf(stack: EmulatedStack, key: 'worker' | 'aggregator', runId: string): InvocationRecord[] {
  return stack.lambda.invocations.filter((invocation) => invocation.functionName === stack.functions[key] && (invocation.payload as { runId?: string }).runId === runId);
}
