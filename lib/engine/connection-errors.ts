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

/** No complete response within the request timeout (counted from the send or the last bytes received). */
export class ResponseTimeoutError extends ConnectionError {
  constructor(timeoutMs: number) {
    super('FANOUT_RESPONSE_TIMEOUT', `no response within ${timeoutMs} ms`);
  }
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
