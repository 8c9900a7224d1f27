/** Error types a report counts, the same on every platform. `http_status` is a response outside `expect`. */
export type ErrorType = 'timeout' | 'connection_refused' | 'connection_reset' | 'dns' | 'http_status' | 'other';

const BY_CODE: Record<string, ErrorType> = {
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  UND_ERR_CLOSED: 'connection_reset',
  // The engine's own connection (connection-errors.ts).
  FANOUT_RESPONSE_TIMEOUT: 'timeout',
  FANOUT_CONNECT_TIMEOUT: 'timeout',
  FANOUT_SOCKET_CLOSED: 'connection_reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
};

export function classifyError(error: unknown): ErrorType {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const type = BY_CODE[code];
    if (type) return type;
  }
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause && cause !== error ? classifyError(cause) : 'other';
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
