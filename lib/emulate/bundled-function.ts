import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { InvocationEndMessage, InvokeMessage, ReadyMessage, RuntimeMessage } from './bundle-runtime-messages.js';
import type { EmulatedContext, EmulatedHandler } from './lambda-emulator.js';

export interface BundledFunctionOptions {
  /** The deployed name (fanout-emulated-worker). */
  name: string;
  /** The unpacked zip: Lambda's task root. */
  directory: string;
  /** serverless.yml's handler setting: functions/worker.handler. */
  handler: string;
  /** The Lambda runtime (nodejs24.x) and the node binary that stands in for it. */
  runtime: string;
  node: string;
  /** The function's environment variables; read when an environment starts. */
  env: () => Record<string, string>;
  timeoutS: number;
  memoryMb?: number;
  /** Each line the function prints, as CloudWatch would get it. */
  log?: (line: string) => void;
}

/** A Lambda execution environment's start (its init phase), as measured. */
export interface EnvironmentStart {
  nodeVersion: string;
  /** From spawning the process to the handler's module loaded, in ms: what a cold start adds before the first invoke. */
  initMs: number;
  /** Of that, the handler module's import. */
  importMs: number;
  /** The first invocation this environment ran, in ms (its handler's own time). */
  firstInvokeMs?: number;
}

/** Lambda's init phase may take 10 s. */
const INIT_TIMEOUT_MS = 10_000;

class ExecutionEnvironment {
  readonly child: ChildProcess;
  readonly ready: Promise<ReadyMessage>;
  private readonly pending = new Map<string, { resolve: (message: InvocationEndMessage) => void; reject: (error: Error) => void }>();
  private exited = false;

  constructor(options: BundledFunctionOptions, onOutput: (text: string) => void) {
    this.child = fork(fileURLToPath(new URL('./bundle-runtime.js', import.meta.url)), [options.directory, options.handler], {
      execPath: options.node,
      execArgv: [],
      cwd: options.directory,
      // What Lambda sets, and nothing of this machine's: no NODE_OPTIONS, no NODE_PATH.
      env: {
        ...options.env(),
        AWS_LAMBDA_FUNCTION_NAME: options.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb ?? 1024),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_EXECUTION_ENV: `AWS_Lambda_${options.runtime}`,
        LAMBDA_TASK_ROOT: options.directory,
        TZ: 'UTC',
        LANG: 'en_US.UTF-8',
        PATH: '/usr/local/bin:/usr/bin:/bin',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => onOutput(chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => onOutput(chunk.toString()));
    this.ready = new Promise<ReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new Error(`${options.name}: init did not finish within ${INIT_TIMEOUT_MS / 1000} s`));
      }, INIT_TIMEOUT_MS);
      this.child.on('message', (message: RuntimeMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message);
        } else if (message.type === 'init-error') {
          clearTimeout(timer);
          reject(new Error(`${options.name}: init failed: ${message.errorType}: ${message.errorMessage}`));
        } else {
          this.pending.get(message.id)?.resolve(message);
          this.pending.delete(message.id);
        }
      });
      this.child.on('exit', (code, signal) => {
        clearTimeout(timer);
        this.exited = true;
        const error = new Error(`${options.name}: Runtime exited (${signal ?? `exit status ${code}`})`);
        reject(error);
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      });
    });
    // A failed start is reported by the invocation that waited for it.
    this.ready.catch(() => {});
  }

  get alive(): boolean {
    return !this.exited;
  }

  invoke(message: InvokeMessage): Promise<InvocationEndMessage> {
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      this.child.send(message);
    });
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.kill();
    await exited;
  }
}

/**
 * A function run from its deployment package as Lambda runs it: each execution environment is a
 * process of the runtime's node (bundle-runtime.ts) that loads the handler from the unpacked zip
 * once and then serves one invocation at a time. Invocations reuse an idle environment (a warm
 * start) or start a new one (a cold start); one that times out or crashes is discarded.
 */
export class BundledFunction {
  /** Every environment started, in order, with its init measured. */
  readonly starts: EnvironmentStart[] = [];
  /** Everything the function printed. */
  output = '';
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly environments = new Set<ExecutionEnvironment>();

  constructor(private readonly options: BundledFunctionOptions) {}

  /** The function as the Lambda emulator calls it. */
  readonly handler: EmulatedHandler = (event, context) => this.invoke(event, context);

  async invoke(event: unknown, context: EmulatedContext): Promise<unknown> {
    let environment = this.idle.pop();
    let start: EnvironmentStart | undefined;
    if (!environment) {
      const spawnedAt = performance.now();
      environment = new ExecutionEnvironment(this.options, (text) => this.print(text));
      this.environments.add(environment);
      try {
        const ready = await environment.ready;
        start = { nodeVersion: ready.nodeVersion, initMs: performance.now() - spawnedAt, importMs: ready.importMs };
        this.starts.push(start);
      } catch (error) {
        this.environments.delete(environment);
        throw error;
      }
    }
    const deadline = Date.now() + context.getRemainingTimeInMillis();
    const timer = setTimeout(() => environment.kill(), Math.max(0, deadline - Date.now()));
    // An injected crash: the environment dies mid-invocation, as an out-of-memory kill has it.
    const kill = () => environment.kill();
    context.signal?.addEventListener('abort', kill, { once: true });
    if (context.signal?.aborted) setImmediate(kill);
    try {
      const end = await environment.invoke({
        type: 'invoke',
        id: context.awsRequestId || randomUUID(),
        event,
        deadline,
        functionName: this.options.name,
        memoryMb: this.options.memoryMb ?? 1024,
      });
      if (start) start.firstInvokeMs = end.durationMs;
      if (end.type === 'error') throw Object.assign(new Error(end.errorMessage), { name: end.errorType, stack: end.stack });
      return end.result;
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`Task timed out after ${this.options.timeoutS} seconds`);
      throw error;
    } finally {
      clearTimeout(timer);
      context.signal?.removeEventListener('abort', kill);
      if (environment.alive) this.idle.push(environment);
      else this.environments.delete(environment);
    }
  }

  private print(text: string): void {
    this.output += text;
    if (this.options.log) for (const line of text.split('\n').filter(Boolean)) this.options.log(`${this.options.name}: ${line}`);
  }

  /** Ends every environment. */
  async close(): Promise<void> {
    this.idle.length = 0;
    await Promise.all([...this.environments].map((environment) => environment.close()));
    this.environments.clear();
  }
}
