import { z } from 'zod';
import { formatDuration, parseDurationMs } from '../config/duration.js';
import type { Architecture } from '../cost/estimate-cost.js';
import { parseTargetPatterns, type TargetPattern } from './allowed-targets.js';

/**
 * What a deployed stack lets one run do, whoever asks and whatever the client sent: its deploy
 * params (serverless.yml) in the API's and coordinator's environment. The CLI's --max-cost is the
 * caller's own caution; these are the account owner's.
 */
export interface StackLimits {
  maxRunDurationMs: number;
  maxWorkersPerRun: number;
  maxCostPerRunUsd: number;
  /** Lambda concurrency the account always keeps free for its other functions. */
  concurrencyHeadroom: ConcurrencyHeadroom;
  /** Empty: any target. */
  allowedTargets: TargetPattern[];
  /** The worker's size, for the cost estimate (the same one the CLI prints). */
  workerMemoryMb: number;
  architecture: Architecture;
}

/** `20%` of the account's unreserved concurrency, or a number of executions. */
export type ConcurrencyHeadroom = { percent: number } | { executions: number };

export function headroomExecutions(headroom: ConcurrencyHeadroom, unreserved: number): number {
  return 'percent' in headroom ? Math.ceil((unreserved * headroom.percent) / 100) : headroom.executions;
}

export function describeHeadroom(headroom: ConcurrencyHeadroom): string {
  return 'percent' in headroom ? `${headroom.percent}%` : String(headroom.executions);
}

export const DEFAULT_STACK_LIMITS = {
  maxRunDuration: '1h',
  maxWorkersPerRun: 200,
  maxCostPerRun: 10,
  concurrencyHeadroom: '20%',
} as const;

const headroomSchema = z
  .string()
  .regex(/^\s*\d+(\.\d+)?\s*%?\s*$/, 'expected a number of executions (100) or a share of the account\'s (20%)')
  .transform((text): ConcurrencyHeadroom => {
    const value = Number.parseFloat(text);
    return text.includes('%') ? { percent: Math.min(100, value) } : { executions: Math.floor(value) };
  });

export const stackLimitsEnvSchema = z.object({
  FANOUT_MAX_RUN_DURATION: z
    .string()
    .default(DEFAULT_STACK_LIMITS.maxRunDuration)
    .transform((text, ctx) => {
      const parsed = parseDurationMs(text);
      if (parsed === undefined || parsed <= 0) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration such as 1h or 30m' });
        return z.NEVER;
      }
      return parsed;
    }),
  FANOUT_MAX_WORKERS_PER_RUN: z.coerce.number().int().positive().default(DEFAULT_STACK_LIMITS.maxWorkersPerRun),
  FANOUT_MAX_COST_PER_RUN: z.coerce.number().positive().default(DEFAULT_STACK_LIMITS.maxCostPerRun),
  FANOUT_CONCURRENCY_HEADROOM: z.string().default(DEFAULT_STACK_LIMITS.concurrencyHeadroom).pipe(headroomSchema),
  FANOUT_ALLOWED_TARGETS: z.string().default(''),
  FANOUT_WORKER_MEMORY_MB: z.coerce.number().int().min(128).max(10_240).default(1024),
  FANOUT_ARCHITECTURE: z.enum(['arm64', 'x86_64']).default('arm64'),
});

export function stackLimitsFromEnv(env: Record<string, string | undefined>): StackLimits {
  const parsed = stackLimitsEnvSchema.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`fanout's stack limits are misconfigured: ${names}`);
  }
  const e = parsed.data;
  return {
    maxRunDurationMs: e.FANOUT_MAX_RUN_DURATION,
    maxWorkersPerRun: e.FANOUT_MAX_WORKERS_PER_RUN,
    maxCostPerRunUsd: e.FANOUT_MAX_COST_PER_RUN,
    concurrencyHeadroom: e.FANOUT_CONCURRENCY_HEADROOM,
    allowedTargets: parseTargetPatterns(e.FANOUT_ALLOWED_TARGETS),
    workerMemoryMb: e.FANOUT_WORKER_MEMORY_MB,
    architecture: e.FANOUT_ARCHITECTURE,
  };
}

/** The environment that sets `limits` (what an emulated stack sets; serverless.yml sets the same names). */
export function envForStackLimits(limits: StackLimits): Record<string, string> {
  return {
    FANOUT_MAX_RUN_DURATION: formatDuration(limits.maxRunDurationMs),
    FANOUT_MAX_WORKERS_PER_RUN: String(limits.maxWorkersPerRun),
    FANOUT_MAX_COST_PER_RUN: String(limits.maxCostPerRunUsd),
    FANOUT_CONCURRENCY_HEADROOM: describeHeadroom(limits.concurrencyHeadroom),
    FANOUT_ALLOWED_TARGETS: limits.allowedTargets.map((pattern) => pattern.text).join(','),
    FANOUT_WORKER_MEMORY_MB: String(limits.workerMemoryMb),
    FANOUT_ARCHITECTURE: limits.architecture,
  };
}
