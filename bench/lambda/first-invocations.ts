import type { FunctionKey } from '../../lib/lambda/function-specs.js';
import type { SliceTask } from '../../lib/plan/slice-task.js';

/** A function's first invocation in a fresh environment, and how its answer must look. */
export interface FirstInvocation {
  event: unknown;
  /** Throws when the answer is not the expected one: then the zip did not really run. */
  check(result: unknown): void;
}

function expect(condition: boolean, what: string, result: unknown): void {
  if (!condition) throw new Error(`${what}, got ${JSON.stringify(result).slice(0, 500)}`);
}

/**
 * For a stack that holds one completed run: for each function, an invocation a deployed stack sees
 * every day, one that reads and writes through the SDK and changes nothing — the API's status of
 * the run, the coordinator asked to start it again, a late duplicate of one of its slices, the
 * aggregator finalising it again (idempotent).
 */
export function firstInvocations(runId: string, scenario: unknown, firstSlice: SliceTask): Record<FunctionKey, FirstInvocation> {
  return {
    api: {
      event: { version: '2.0', routeKey: 'GET /runs/{id}', rawPath: `/runs/${runId}`, pathParameters: { id: runId }, isBase64Encoded: false },
      check: (result) => expect((result as { statusCode?: number }).statusCode === 200, 'GET /runs/{id} should answer 200', result),
    },
    coordinator: {
      event: { runId, scenario },
      check: (result) => expect((result as { outcome?: string }).outcome === 'exists', 'the coordinator should refuse a run id that exists', result),
    },
    worker: {
      event: firstSlice,
      // Past its window it runs nothing (window-passed); within it, its claim stops it (duplicate).
      check: (result) => expect(['duplicate', 'window-passed'].includes(String((result as { reason?: string }).reason)), 'a finished slice delivered again should do nothing', result),
    },
    aggregator: {
      event: { runId },
      check: (result) => expect((result as { runStatus?: string }).runStatus === 'completed', 'finalising the run again should find it completed', result),
    },
  };
}
