import { z } from 'zod';
import { InputError } from '../config/input-error.js';

/**
 * Faults the emulated stack can inject (`npm run emulate -- --fault KIND[:SPEC]`, repeatable), to
 * see what a deployment does when AWS misbehaves. docs/aws.md lists them with fanout's answer to each.
 */

/** One worker invocation: lane LANE's invocation for slice SLICE, and a moment SECONDS into its slice. */
export interface SliceFault {
  slice: number;
  lane: number;
  seconds: number;
}

export interface FaultPlan {
  /** Invocations killed SECONDS into their slice, as an out-of-memory kill would: no `finally`, nothing written. */
  workerCrashes: SliceFault[];
  /** Invocations that start SECONDS after their slice's window opened. */
  workerLate: SliceFault[];
  /** Probability that one call to S3 fails with 503 SlowDown. */
  s3Error: number;
  /** Probability that one call to DynamoDB fails with ProvisionedThroughputExceededException or ThrottlingException. */
  dynamodbThrottle: number;
  /** Probability that one call to DynamoDB is carried out but its answer is lost (the connection resets): the SDK retries a write that happened. */
  dynamodbLostResponse: number;
  /** Probability that one call to the Lambda API fails with 429 TooManyRequestsException. */
  lambdaThrottle: number;
  /** Probability that one request to the HTTP API fails with 503 Service Unavailable. */
  apiError: number;
  /** The coordinator dies after invoking this many workers. */
  coordinatorCrash?: number;
  /** The first this many aggregator invocations die as they start. */
  aggregatorCrash: number;
}

export const NO_FAULTS: FaultPlan = {
  workerCrashes: [],
  workerLate: [],
  s3Error: 0,
  dynamodbThrottle: 0,
  dynamodbLostResponse: 0,
  lambdaThrottle: 0,
  apiError: 0,
  aggregatorCrash: 0,
};

const FLAG = '--fault';

const probability = z.coerce.number({ message: 'expected a probability' }).min(0, 'expected a probability from 0 to 1').max(1, 'expected a probability from 0 to 1');
const count = z.coerce.number({ message: 'expected a whole number' }).int('expected a whole number').min(0, 'expected 0 or more');

const SLICE_FORM = /^(\d+)\/(\d+)@(\d+(?:\.\d+)?)$/;
const STEP_FORM = /^\d+\/\d+\/\d+@/;

function sliceFault(kind: string, spec: string): SliceFault {
  if (STEP_FORM.test(spec)) {
    throw new Error(
      `${kind}:${spec}: a worker invocation is named SLICE/LANE@SECONDS, not STEP/SLICE/WORKER: slices span steps and a ` +
        `worker (lane) keeps its users from one step to the next within a slice, so one invocation carries several steps ` +
        `(e.g. ${kind}:1/0@2: lane 0's invocation for slice 1, 2 s into that slice)`,
    );
  }
  const match = SLICE_FORM.exec(spec);
  if (!match) throw new Error(`${kind}: expected SLICE/LANE@SECONDS (e.g. ${kind}:1/0@2), got '${spec}'`);
  return { slice: Number(match[1]), lane: Number(match[2]), seconds: Number(match[3]) };
}

function parsed<T>(schema: z.ZodType<T>, kind: string, spec: string): T {
  const result = schema.safeParse(spec);
  if (!result.success) throw new Error(`${kind}:${spec}: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

const KINDS = {
  'worker-crash': (spec: string, plan: FaultPlan) => void plan.workerCrashes.push(sliceFault('worker-crash', spec)),
  'worker-late': (spec: string, plan: FaultPlan) => void plan.workerLate.push(sliceFault('worker-late', spec)),
  's3-error': (spec: string, plan: FaultPlan) => void (plan.s3Error = parsed(probability, 's3-error', spec)),
  'dynamodb-throttle': (spec: string, plan: FaultPlan) => void (plan.dynamodbThrottle = parsed(probability, 'dynamodb-throttle', spec)),
  'dynamodb-lost-response': (spec: string, plan: FaultPlan) => void (plan.dynamodbLostResponse = parsed(probability, 'dynamodb-lost-response', spec)),
  'lambda-throttle': (spec: string, plan: FaultPlan) => void (plan.lambdaThrottle = parsed(probability, 'lambda-throttle', spec)),
  'api-error': (spec: string, plan: FaultPlan) => void (plan.apiError = parsed(probability, 'api-error', spec)),
  'coordinator-crash': (spec: string, plan: FaultPlan) => void (plan.coordinatorCrash = parsed(count, 'coordinator-crash', spec)),
  'aggregator-crash': (spec: string, plan: FaultPlan) => void (plan.aggregatorCrash = parsed(count, 'aggregator-crash', spec)),
} as const;

export const FAULT_KINDS = Object.keys(KINDS) as Array<keyof typeof KINDS>;

/** Parses `--fault` values (KIND:SPEC each); bad ones are InputErrors naming the flag. */
export function parseFaults(specs: readonly string[]): FaultPlan {
  const plan: FaultPlan = { ...NO_FAULTS, workerCrashes: [], workerLate: [] };
  const problems: Array<{ field: string; message: string }> = [];
  for (const text of specs) {
    const colon = text.indexOf(':');
    const kind = colon === -1 ? text : text.slice(0, colon);
    const spec = colon === -1 ? '' : text.slice(colon + 1);
    if (!(kind in KINDS)) {
      problems.push({ field: FLAG, message: `unknown fault '${kind}'; one of ${FAULT_KINDS.join(', ')}` });
      continue;
    }
    if (spec === '') {
      problems.push({ field: FLAG, message: `${kind} needs a spec (${kind}:…; see docs/aws.md)` });
      continue;
    }
    try {
      KINDS[kind as keyof typeof KINDS](spec, plan);
    } catch (error) {
      problems.push({ field: FLAG, message: (error as Error).message });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return plan;
}

/** Whether any fault needs the function to run in an execution environment that can be killed. */
export function functionsToKill(plan: FaultPlan): Array<'worker' | 'coordinator' | 'aggregator'> {
  return [
    ...(plan.workerCrashes.length > 0 ? (['worker'] as const) : []),
    ...(plan.coordinatorCrash !== undefined ? (['coordinator'] as const) : []),
    ...(plan.aggregatorCrash > 0 ? (['aggregator'] as const) : []),
  ];
}
