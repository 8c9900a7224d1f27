/**
 * Error types a report counts, the same on every platform. `http_status` is a response outside
 * `expect`. `cut` is a request still in flight when its lane handed over to the next slice or the
 * run was stopped. `blocked` is a redirect the worker would not follow (the stack's `allowedTargets`).
 * The `generator_*` types are the load generator's own limits (file descriptors,
 * ephemeral ports, socket buffers): never the target's failure.
 */
export type ErrorType =
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'dns'
  | 'tls'
  | 'http_status'
  /** Flows: a failed check (`expect`), a capture that found nothing, an exception thrown by scenario code. */
  | 'check'
  | 'capture'
  | 'script'
  | 'cut'
  /** On AWS: a redirect to a host outside the stack's `allowedTargets`, not followed. */
  | 'blocked'
  | 'generator_fds'
  | 'generator_ports'
  | 'generator_buffers'
  | 'other';

/** Errors the generator caused itself: a step that has them measured the generator, not the target. */
export const GENERATOR_LIMIT_ERRORS: readonly ErrorType[] = ['generator_fds', 'generator_ports', 'generator_buffers'];

/** Errors that are not the target's: shown apart from its errors and left out of its error rate. */
export const NOT_THE_TARGETS_ERRORS: readonly ErrorType[] = ['cut', ...GENERATOR_LIMIT_ERRORS];

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
  FANOUT_CUT: 'cut',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  // The generator's own limits: its process's open files, the machine's ephemeral ports, socket buffers.
  EMFILE: 'generator_fds',
  ENFILE: 'generator_fds',
  EADDRNOTAVAIL: 'generator_ports',
  ENOBUFS: 'generator_buffers',
  // Certificates and handshakes (OpenSSL's verify codes as Node raises them).
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls',
  UNABLE_TO_GET_ISSUER_CERT: 'tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls',
  CERT_HAS_EXPIRED: 'tls',
  CERT_NOT_YET_VALID: 'tls',
  CERT_UNTRUSTED: 'tls',
  CERT_REVOKED: 'tls',
  CERT_REJECTED: 'tls',
  CERT_SIGNATURE_FAILURE: 'tls',
  HOSTNAME_MISMATCH: 'tls',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls',
  EPROTO: 'tls',
};

export function classifyError(error: unknown): ErrorType {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const type = BY_CODE[code];
    if (type) return type;
    if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'tls';
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
