import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer, readRequestText } from './loopback-server.js';

/** What an emulated invocation gets as Lambda's context. */
export interface EmulatedContext {
  functionName: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export type EmulatedHandler = (event: unknown, context: EmulatedContext) => Promise<unknown>;

export interface EmulatedFunction {
  name: string;
  handler: EmulatedHandler;
  timeoutS: number;
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
}

/** Faults a test can inject into `Event` invocations, as Lambda's own delivery can have them. */
export interface InvocationFaults {
  /** Accept the event (202) and never run it: a lost or crashed invocation. */
  dropEvent?: (functionName: string, payload: unknown) => boolean;
  /** Run the event twice at once: an at-least-once delivery. */
  duplicateEvent?: (functionName: string, payload: unknown) => boolean;
}

export interface LambdaEmulatorOptions {
  functions: EmulatedFunction[];
  /** What GetAccountSettings answers as AccountLimit.UnreservedConcurrentExecutions. */
  unreservedConcurrency?: number;
  /** Reserved concurrency per function name, as GetFunctionConcurrency answers. */
  reservedConcurrency?: Record<string, number>;
  faults?: InvocationFaults;
  log?: (message: string) => void;
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

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const invoke = INVOKE_PATH.exec(url.pathname);
    if (invoke && request.method === 'POST') {
      const body = await readRequestText(request);
      const type = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
      return this.onInvoke(functionNameOf(invoke[1]!), String(type), body, response);
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

  private async onInvoke(name: string, type: string, body: string, response: ServerResponse): Promise<void> {
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
    if (type === 'Event') {
      response.writeHead(202, { 'content-length': '0' }).end();
      if (this.faults.dropEvent?.(name, payload)) {
        this.invocations.push({ id: randomUUID(), functionName: name, type: 'Event', payload, startedAt: Date.now(), dropped: true });
        return;
      }
      this.track(this.invoke(fn, 'Event', payload).then(() => undefined));
      if (this.faults.duplicateEvent?.(name, payload)) this.track(this.invoke(fn, 'Event', payload, true).then(() => undefined));
      return;
    }
    if (type !== 'RequestResponse') return sendError(response, 400, 'InvalidParameterValueException', `unknown invocation type ${type}`);
    const record = await this.invoke(fn, 'RequestResponse', payload);
    const headers = { 'x-amz-executed-version': '$LATEST' };
    if (record.error !== undefined) {
      return sendJson(response, 200, { errorType: 'Error', errorMessage: record.error, trace: [] }, { ...headers, 'x-amz-function-error': 'Unhandled' });
    }
    sendJson(response, 200, record.result ?? null, headers);
  }

  /** Runs a function's handler here, as Lambda would for one invocation, and records it. */
  async invoke(fn: EmulatedFunction, type: InvocationType, payload: unknown, duplicate = false): Promise<InvocationRecord> {
    const startedAt = Date.now();
    const record: InvocationRecord = { id: randomUUID(), functionName: fn.name, type, payload, startedAt, ...(duplicate ? { duplicate } : {}) };
    this.invocations.push(record);
    const context: EmulatedContext = {
      functionName: fn.name,
      awsRequestId: record.id,
      getRemainingTimeInMillis: () => Math.max(0, startedAt + fn.timeoutS * 1000 - Date.now()),
    };
    try {
      // JSON in, JSON out, as across the real service.
      record.result = JSON.parse(JSON.stringify((await fn.handler(structuredClone(payload), context)) ?? null)) as unknown;
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      this.options.log?.(`${fn.name} (${type}) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
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
