/** What the emulator and a bundled function's runtime process (bundle-runtime.ts) say over IPC. */

/** To the runtime: run the handler once. */
export interface InvokeMessage {
  type: 'invoke';
  id: string;
  event: unknown;
  /** Epoch ms when the invocation times out (the context's getRemainingTimeInMillis counts down to it). */
  deadline: number;
  functionName: string;
  memoryMb: number;
}

/** From the runtime, once, when the handler's module is loaded (Lambda's init phase). */
export interface ReadyMessage {
  type: 'ready';
  nodeVersion: string;
  /** The handler module's import, in ms. */
  importMs: number;
  /** From the process's start to now (node's own start-up included), in ms. */
  sinceProcessStartMs: number;
}

/** From the runtime when the handler's module could not be loaded. */
export interface InitErrorMessage {
  type: 'init-error';
  errorType: string;
  errorMessage: string;
}

/** From the runtime: one invocation's end. */
export type InvocationEndMessage =
  | { type: 'result'; id: string; result: unknown; durationMs: number }
  | { type: 'error'; id: string; errorType: string; errorMessage: string; stack?: string; durationMs: number };

export type RuntimeMessage = ReadyMessage | InitErrorMessage | InvocationEndMessage;
