/**
 * Errors of the engine's own HTTP/1.1 connection, with codes that classify-error.ts maps to the
 * report's error types. Socket errors (ECONNREFUSED, ECONNRESET, ENOTFOUND, …) pass through as Node
 * raises them.
 */
export class ConnectionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

/** No complete response within the request timeout, counted from the send. */
export class ResponseTimeoutError extends ConnectionError {
  constructor(timeoutMs: number) {
    super('FANOUT_RESPONSE_TIMEOUT', `no complete response within ${timeoutMs} ms`);
  }
}

/**
 * A request still in flight when its lane handed over to the next slice, or when the run was
 * stopped: it reached the target, so it is counted, but it has no response time.
 */
export class RequestCutError extends ConnectionError {
  constructor(
    readonly elapsedMs: number,
    reason: string,
  ) {
    super('FANOUT_CUT', `cut ${reason} after ${formatElapsed(elapsedMs)} in flight`);
  }
}

/** Coarse on purpose: error samples are grouped by message. */
function formatElapsed(milliseconds: number): string {
  if (milliseconds < 1000) return `<1 s`;
  if (milliseconds < 10_000) return `${Math.floor(milliseconds / 1000)}–${Math.floor(milliseconds / 1000) + 1} s`;
  return `${Math.floor(milliseconds / 10_000) * 10}–${Math.floor(milliseconds / 10_000) * 10 + 10} s`;
}

export class ConnectTimeoutError extends ConnectionError {
  constructor(timeoutMs: number) {
    super('FANOUT_CONNECT_TIMEOUT', `not connected within ${timeoutMs} ms`);
  }
}

/** The server closed the connection before the response was complete. */
export class SocketClosedError extends ConnectionError {
  constructor() {
    super('FANOUT_SOCKET_CLOSED', 'the server closed the connection before the response was complete');
  }
}

/** Bytes that are not an HTTP/1.x response. */
export class MalformedResponseError extends ConnectionError {
  constructor(detail: string) {
    super('FANOUT_BAD_RESPONSE', `malformed response: ${detail}`);
  }
}
