/**
 * A request serialised once, ahead of the load, into the exact bytes that go on the wire for every
 * send: request line, headers, body. The headers are what undici sent before: the Host, the user's
 * headers, `content-length` when there is a body (0 for POST/PUT/PATCH without one) and
 * `connection: keep-alive`.
 */
export interface WireRequestSpec {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Latin-1 without control characters (tab allowed), as undici checks header values. */
const HEADER_VALUE = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;
/** A request target with no space or control character, as undici checks paths. */
const PATH = /^[\u0021-\u00ff]+$/;
const EXPECTS_BODY = new Set(['POST', 'PUT', 'PATCH']);

export function encodeRequest(spec: WireRequestSpec, host: string): Buffer {
  if (!TOKEN.test(spec.method)) throw new Error(`invalid request method ${JSON.stringify(spec.method)}`);
  if (!PATH.test(spec.path)) throw new Error(`invalid request path ${JSON.stringify(spec.path)}`);
  const names = Object.keys(spec.headers).map((name) => name.toLowerCase());
  let head = `${spec.method} ${spec.path} HTTP/1.1\r\n`;
  if (!names.includes('host')) head += `host: ${host}\r\n`;
  for (const [name, value] of Object.entries(spec.headers)) {
    if (!TOKEN.test(name)) throw new Error(`invalid header name ${JSON.stringify(name)}`);
    if (!HEADER_VALUE.test(value)) throw new Error(`invalid value for header ${name}`);
    const lower = name.toLowerCase();
    // The length is the body's; the engine frames the request itself.
    if (lower === 'content-length' || lower === 'transfer-encoding') continue;
    head += `${name}: ${value}\r\n`;
  }
  const length = spec.body?.length ?? 0;
  if (length > 0 || EXPECTS_BODY.has(spec.method)) head += `content-length: ${length}\r\n`;
  if (!names.includes('connection')) head += 'connection: keep-alive\r\n';
  head += '\r\n';
  const headBytes = Buffer.from(head, 'latin1');
  return spec.body && length > 0 ? Buffer.concat([headBytes, spec.body]) : headBytes;
}

/**
 * A request built per send (flows: rendered templates), from header pairs as written, into one
 * buffer: head and body together, with no intermediate record of the headers.
 */
export function encodeRequestFromPairs(method: string, path: string, headers: ReadonlyArray<readonly [string, string]>, body: string | undefined, host: string): Buffer {
  if (!TOKEN.test(method)) throw new Error(`invalid request method ${JSON.stringify(method)}`);
  if (!PATH.test(path)) throw new Error(`invalid request path ${JSON.stringify(path)}`);
  let head = `${method} ${path} HTTP/1.1\r\n`;
  let hasHost = false;
  let hasConnection = false;
  for (let index = 0; index < headers.length; index++) {
    const [name, value] = headers[index]!;
    if (!TOKEN.test(name)) throw new Error(`invalid header name ${JSON.stringify(name)}`);
    if (!HEADER_VALUE.test(value)) throw new Error(`invalid value for header ${name}`);
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding') continue;
    if (lower === 'host') hasHost = true;
    else if (lower === 'connection') hasConnection = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!hasHost) head += `host: ${host}\r\n`;
  const bodyLength = body === undefined ? 0 : Buffer.byteLength(body);
  if (bodyLength > 0 || EXPECTS_BODY.has(method)) head += `content-length: ${bodyLength}\r\n`;
  if (!hasConnection) head += 'connection: keep-alive\r\n';
  head += '\r\n';
  const headLength = head.length;
  const wire = Buffer.allocUnsafe(headLength + bodyLength);
  wire.write(head, 0, headLength, 'latin1');
  if (bodyLength > 0) wire.write(body!, headLength, bodyLength, 'utf8');
  return wire;
}
