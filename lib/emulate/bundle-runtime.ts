import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { InvocationEndMessage, InvokeMessage, RuntimeMessage } from './bundle-runtime-messages.js';

/**
 * One Lambda execution environment for a bundled function, run by bundled-function.ts in a child
 * process of the Lambda runtime's node: loads the handler from the task root as Lambda's Node.js
 * runtime does (`functions/worker.handler` → functions/worker.mjs, export `handler`), then runs one
 * invocation at a time as the parent sends them.
 *
 * It imports nothing but node's own modules, so the bundle finds nothing it does not carry.
 *
 * argv: <task root> <handler setting>
 */
const [taskRoot, handlerSetting] = process.argv.slice(2);

function send(message: RuntimeMessage): void {
  process.send?.(message);
}

type Handler = (event: unknown, context: object) => unknown;

async function loadHandler(root: string, setting: string): Promise<Handler> {
  const dot = setting.lastIndexOf('.');
  const modulePath = setting.slice(0, dot);
  const exportName = setting.slice(dot + 1);
  const file = ['.mjs', '.js', '.cjs'].map((extension) => join(root, modulePath + extension)).find((candidate) => existsSync(candidate));
  if (!file) throw new Error(`Cannot find module '${modulePath}' in ${root}`);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${modulePath}.${exportName} is not a function`);
  return handler as Handler;
}

async function invoke(handler: Handler, message: InvokeMessage): Promise<InvocationEndMessage> {
  const started = performance.now();
  const context = {
    functionName: message.functionName,
    functionVersion: '$LATEST',
    memoryLimitInMB: String(message.memoryMb),
    awsRequestId: message.id,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
  try {
    const result = await handler(message.event, context);
    return { type: 'result', id: message.id, result: result ?? null, durationMs: performance.now() - started };
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    return { type: 'error', id: message.id, errorType: failure.name, errorMessage: failure.message, stack: failure.stack, durationMs: performance.now() - started };
  }
}

if (!taskRoot || !handlerSetting || !process.send) {
  console.error('usage: forked with <task root> <handler> and an IPC channel');
  process.exit(2);
}

const importStarted = performance.now();
let handler: Handler;
try {
  handler = await loadHandler(taskRoot, handlerSetting);
} catch (error) {
  const failure = error instanceof Error ? error : new Error(String(error));
  send({ type: 'init-error', errorType: failure.name, errorMessage: failure.message });
  process.exit(1);
}
send({ type: 'ready', nodeVersion: process.version, importMs: performance.now() - importStarted, sinceProcessStartMs: performance.now() });
process.on('message', (message: InvokeMessage) => {
  void invoke(handler, message).then(send);
});
process.on('disconnect', () => process.exit(0));
