import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoopbackServer, readRequestText } from './loopback-server.js';

/** What an emulated invocation gets as Lambda's context. */
export interface EmulatedContext {
  functionName: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
  /**
   * Aborted when the invocation's execution environment is killed (an injected crash). A handler
   * run in a process of its own (bundled-function.ts) dies with it; one run in this process cannot.
   */
  signal?: AbortSignal;
}

export type EmulatedHandler = (event: unknown, context: EmulatedContext) => Promise<unknown>;

/**
 * Lambda's record of an asynchronous invocation that failed for good, as its on-failure
 * destination receives it (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
 */
export interface AsyncFailureRecord {
  version: '1.0';
  timestamp: string;
  requestContext: { requestId: string; functionArn: string; condition: 'RetriesExhausted' | 'EventAgeExceeded'; approximateInvokeCount: number };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError: string };
  responsePayload: { errorType: string; errorMessage: string };
}

export interface EmulatedFunction {
  name: string;
  handler: EmulatedHandler;
  timeoutS: number;
  /** Lambda retries a failed asynchronous (Event) invocation this many times (MaximumRetryAttempts; Lambda's default is 2). */
  asyncRetries?: number;
  /** The on-failure destination: gets the record of an Event invocation whose attempts all failed. */
  onFailure?: (record: AsyncFailureRecord) => Promise<void>;
}

export type InvocationType = 'Event' | 'RequestResponse';

/** One invocation as the emulator saw it: tests read these to see what ran, when and how it ended. */
export interface InvocationRecord {
  id: string;
  functionName: string;
  type: InvocationType;
  payload: unknown;
  startedAt: number;
  endedAt?: number;
  result?: unknown;
  error?: string;
  /** Accepted (202) but never run: a lost or crashed invocation, injected by a test. */
  dropped?: boolean;
  /** A second delivery of the same event (Lambda delivers async events at least once). */
  duplicate?: boolean;
  /** 0 for the first attempt of an Event invocation, then 1, 2 for Lambda's retries (same id). */
  attempt?: number;
  /** The calling function (its SDK's app id, AWS_SDK_UA_APP_ID), when a function made the call. */
  caller?: string;
  /** Its execution environment was killed (an injected crash). */
  killed?: boolean;
}

/** Faults a test (or `npm run emulate -- --fault`) can inject, as Lambda and its callers can have them. */
export interface InvocationFaults {
  /** Accept the event (202) and never run it: a lost or crashed invocation. */
  dropEvent?: (functionName: string, payload: unknown) => boolean;
  /** Run the event twice at once: an at-least-once delivery. */
  duplicateEvent?: (functionName: string, payload: unknown) => boolean;
  /** Answer this call of the Lambda API with 429 TooManyRequestsException (a throttle) instead. */
  throttle?: (operation: string) => boolean;
  /** Whether the function making this invoke call (`caller`) dies as it makes it: the call is never answered. */
  killCaller?: (functionName: string, payload: unknown, caller: string | undefined) => boolean;
  /** When (epoch ms) this invocation starts: later than asked, as a slow start or a queue would have it. */
  startAt?: (functionName: string, payload: unknown) => Promise<number | undefined>;
  /** When (epoch ms) this invocation's execution environment is killed, as an out-of-memory kill would. */
  crashAt?: (functionName: string, payload: unknown) => Promise<number | undefined>;
}

export interface LambdaEmulatorOptions {
  functions: EmulatedFunction[];
  /** For the ARNs in failure records. */
  region?: string;
  /** What GetAccountSettings answers as AccountLimit.UnreservedConcurrentExecutions. */
  unreservedConcurrency?: number;
  /** Reserved concurrency per function name, as GetFunctionConcurrency answers. */
  reservedConcurrency?: Record<string, number>;
  /**
   * The waits before Lambda's first and second retry of a failed Event invocation. Lambda waits
   * about a minute, then about two; an emulated stack may shorten them.
   */
  retryDelaysMs?: number[];
  faults?: InvocationFaults;
  log?: (message: string) => void;
}

/** Lambda's own waits before the retries of a failed asynchronous invocation. */
export const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000];

/** `… app/fanout-emulated-worker …` in the SDK's user agent → the calling function. */
function callerOf(request: IncomingMessage): string | undefined {
  const agents = [request.headers['x-amz-user-agent'], request.headers['user-agent']].filter((value): value is string => typeof value === 'string');
  for (const agent of agents) {
    const match = /(?:^|\s)app\/(\S+)/.exec(agent);
    if (match) return match[1];
  }
  return undefined;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const CONCURRENCY_PATH = /^\/2019-09-30\/functions\/([^/]+)\/concurrency$/;
const ACCOUNT_SETTINGS_PATH = /^\/2016-08-19\/account-settings\/?$/;

/** `arn:aws:lambda:region:account:function:NAME[:qualifier]` or NAME → NAME. */
function functionNameOf(pathPart: string): string {
  const name = decodeURIComponent(pathPart);
  const arn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(name);
  return arn ? arn[1]! : name.split(':')[0]!;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  sendJson(response, status, { Type: 'User', message }, { 'x-amzn-errortype': type });
}

/**
 * The Lambda Invoke API on 127.0.0.1, running real handlers in this process: `Event` invokes answer
 * 202 and run in the background, `RequestResponse` ones answer the handler's result, a thrown error
 * comes back with `X-Amz-Function-Error: Unhandled` as Lambda does. GetAccountSettings and
 * GetFunctionConcurrency answer from the options, so the coordinator's quota check runs against it.
 */
export class LambdaEmulator {
  readonly invocations: InvocationRecord[] = [];
  private readonly functions: Map<string, EmulatedFunction>;
  private readonly running = new Set<Promise<void>>();
  /** Invocations under way, with the switch that kills their execution environment. */
  private readonly live = new Map<InvocationRecord, AbortController>();
  private readonly reserved: Map<string, number>;
  private readonly http = new LoopbackServer(
    'the Lambda emulator',
    (request, response) => this.route(request, response),
    (response, error) => sendError(response, 500, 'ServiceException', String(error)),
  );
  unreservedConcurrency: number;
  /** Changeable between runs of one emulator. */
  faults: InvocationFaults;

  constructor(private readonly options: LambdaEmulatorOptions) {
    this.faults = { ...options.faults };
    this.functions = new Map(options.functions.map((fn) => [fn.name, fn]));
    this.reserved = new Map(Object.entries(options.reservedConcurrency ?? {}));
    this.unreservedConcurrency = options.unreservedConcurrency ?? 1000;
  }

  /** Listens on 127.0.0.1 (a free port unless given) and resolves to the endpoint URL. */
  start(port = 0): Promise<string> {
    return this.http.start(port);
  }

  get url(): string {
    return this.http.url;
  }

  setReservedConcurrency(functionName: string, value: number | undefined): void {
    if (value === undefined) this.reserved.delete(functionName);
    else this.reserved.set(functionName, value);
  }

  /** Kills the execution environments of every invocation of `functionName` under way. */
  killRunning(functionName: string): number {
    let killed = 0;
    for (const [record, controller] of this.live) {
      if (record.functionName !== functionName || controller.signal.aborted) continue;
      controller.abort();
      killed++;
    }
    return killed;
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const invoke = INVOKE_PATH.exec(url.pathname);
    const operation = invoke ? 'Invoke' : ACCOUNT_SETTINGS_PATH.test(url.pathname) ? 'GetAccountSettings' : 'GetFunctionConcurrency';
    if (this.faults.throttle?.(operation)) {
      await readRequestText(request);
      return sendError(response, 429, 'TooManyRequestsException', 'Rate Exceeded.');
    }
    if (invoke && request.method === 'POST') {
      const body = await readRequestText(request);
      const type = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
      return this.onInvoke(functionNameOf(invoke[1]!), String(type), body, response, callerOf(request));
    }
    if (ACCOUNT_SETTINGS_PATH.test(url.pathname) && request.method === 'GET') {
      return sendJson(response, 200, {
        AccountLimit: {
          ConcurrentExecutions: this.unreservedConcurrency + [...this.reserved.values()].reduce((sum, value) => sum + value, 0),
          UnreservedConcurrentExecutions: this.unreservedConcurrency,
          CodeSizeUnzipped: 262_144_000,
          CodeSizeZipped: 52_428_800,
          TotalCodeSize: 80_530_636_800,
        },
        AccountUsage: { FunctionCount: this.functions.size, TotalCodeSize: 0 },
      });
    }
    const concurrency = CONCURRENCY_PATH.exec(url.pathname);
    if (concurrency && request.method === 'GET') {
      const name = functionNameOf(concurrency[1]!);
      if (!this.functions.has(name)) return sendError(response, 404, 'ResourceNotFoundException', `Function not found: ${name}`);
      const reserved = this.reserved.get(name);
      return sendJson(response, 200, reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved });
    }
    sendError(response, 404, 'UnknownOperationException', `${request.method} ${url.pathname} is not emulated`);
  }

  private async onInvoke(name: string, type: string, body: string, response: ServerResponse, caller: string | undefined): Promise<void> {
    const fn = this.functions.get(name);
    if (!fn) return sendError(response, 404, 'ResourceNotFoundException', `Function not found: ${name}`);
    let payload: unknown;
    try {
      payload = body === '' ? {} : JSON.parse(body);
    } catch {
      return sendError(response, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    if (type === 'DryRun') {
      response.writeHead(204).end();
      return;
    }
    if (caller !== undefined && this.faults.killCaller?.(name, payload, caller)) {
      // The caller dies as it makes this call: the call is never answered, nor run.
      this.options.log?.(`${caller} killed as it invoked ${name}`);
      this.killRunning(caller);
      response.socket?.destroy();
      return;
    }
    if (type === 'Event') {
      response.writeHead(202, { 'content-length': '0' }).end();
      if (this.faults.dropEvent?.(name, payload)) {
        this.invocations.push({ id: randomUUID(), functionName: name, type: 'Event', payload, startedAt: Date.now(), dropped: true, ...(caller ? { caller } : {}) });
        return;
      }
      this.track(this.runEvent(fn, payload, caller, false));
      if (this.faults.duplicateEvent?.(name, payload)) this.track(this.runEvent(fn, payload, caller, true));
      return;
    }
    if (type !== 'RequestResponse') return sendError(response, 400, 'InvalidParameterValueException', `unknown invocation type ${type}`);
    const record = await this.invoke(fn, 'RequestResponse', payload, { caller });
    const headers = { 'x-amz-executed-version': '$LATEST' };
    if (record.error !== undefined) {
      return sendJson(response, 200, { errorType: 'Error', errorMessage: record.error, trace: [] }, { ...headers, 'x-amz-function-error': 'Unhandled' });
    }
    sendJson(response, 200, record.result ?? null, headers);
  }

  /**
   * An Event invocation as Lambda runs it: attempted, retried after a wait as many times as the
   * function allows (under the same request id), and, when every attempt failed, its record sent
   * to the function's on-failure destination.
   */
  private async runEvent(fn: EmulatedFunction, payload: unknown, caller: string | undefined, duplicate: boolean): Promise<void> {
    const id = randomUUID();
    const retries = fn.asyncRetries ?? 0;
    const delays = this.options.retryDelaysMs ?? LAMBDA_RETRY_DELAYS_MS;
    for (let attempt = 0; ; attempt++) {
      const record = await this.invoke(fn, 'Event', payload, { id, attempt, duplicate, caller });
      if (record.error === undefined) return;
      if (attempt >= retries) {
        if (fn.onFailure) await fn.onFailure(this.failureRecord(fn, record, attempt + 1)).catch((error: unknown) => this.options.log?.(`${fn.name}: its on-failure destination failed: ${String(error)}`));
        return;
      }
      await sleep(delays[Math.min(attempt, delays.length - 1)] ?? 0);
    }
  }

  private failureRecord(fn: EmulatedFunction, record: InvocationRecord, attempts: number): AsyncFailureRecord {
    const killed = record.killed === true;
    return {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: record.id,
        functionArn: `arn:aws:lambda:${this.options.region ?? 'us-east-1'}:000000000000:function:${fn.name}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: attempts,
      },
      requestPayload: record.payload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: killed
        ? { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${record.id} Error: Runtime exited with error: signal: killed` }
        : { errorType: 'Error', errorMessage: record.error ?? 'failed' },
    };
  }

  /** Runs a function's handler, as Lambda would for one invocation, and records it. */
  async invoke(
    fn: EmulatedFunction,
    type: InvocationType,
    payload: unknown,
    options: { id?: string; attempt?: number; duplicate?: boolean; caller?: string } = {},
  ): Promise<InvocationRecord> {
    const startAt = await this.faults.startAt?.(fn.name, payload);
    if (startAt !== undefined && startAt > Date.now()) await sleep(startAt - Date.now());
    const startedAt = Date.now();
    const record: InvocationRecord = {
      id: options.id ?? randomUUID(),
      functionName: fn.name,
      type,
      payload,
      startedAt,
      ...(options.duplicate ? { duplicate: true } : {}),
      ...(options.attempt !== undefined ? { attempt: options.attempt } : {}),
      ...(options.caller ? { caller: options.caller } : {}),
    };
    this.invocations.push(record);
    const kill = new AbortController();
    this.live.set(record, kill);
    const crashAt = await this.faults.crashAt?.(fn.name, payload);
    const crashTimer = crashAt === undefined ? undefined : setTimeout(() => kill.abort(), Math.max(0, crashAt - Date.now()));
    const context: EmulatedContext = {
      functionName: fn.name,
      awsRequestId: record.id,
      getRemainingTimeInMillis: () => Math.max(0, startedAt + fn.timeoutS * 1000 - Date.now()),
      signal: kill.signal,
    };
    try {
      // JSON in, JSON out, as across the real service.
      record.result = JSON.parse(JSON.stringify((await fn.handler(structuredClone(payload), context)) ?? null)) as unknown;
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      this.options.log?.(`${fn.name} (${type}) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
      clearTimeout(crashTimer);
      this.live.delete(record);
      if (kill.signal.aborted) record.killed = true;
      record.endedAt = Date.now();
      if (record.endedAt - startedAt > fn.timeoutS * 1000) record.error ??= `Task timed out after ${fn.timeoutS} seconds`;
    }
    return record;
  }

  /** Invokes a function by name, bypassing HTTP (how API Gateway reaches the api function). */
  async invokeByName(name: string, payload: unknown): Promise<InvocationRecord> {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no emulated function ${name}`);
    return this.invoke(fn, 'RequestResponse', payload);
  }

  private track(running: Promise<void>): void {
    this.running.add(running);
    void running.finally(() => this.running.delete(running));
  }

  /** Resolves when no background (`Event`) invocation is running, including ones started meanwhile. */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
