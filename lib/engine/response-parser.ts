import { MalformedResponseError } from './connection-errors.js';

/**
 * Finds where each HTTP/1.x response ends on a keep-alive connection, and what it says about the
 * connection, without copying the body or building strings: the status code, the body's framing
 * (Content-Length, chunked, or until the server closes), `Connection: close` and the server's
 * `Keep-Alive: timeout=`. Bytes are fed as they arrive; a response may span any number of reads.
 * Interim 1xx responses are skipped, and HEAD, 204 and 304 responses have no body.
 */
const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkExtension,
  ChunkData,
  ChunkDataEnd,
  TrailerLineStart,
  TrailerLine,
  UntilClose,
}

/** Response headers larger than this are refused (as llhttp's default). */
export const MAX_HEADER_BYTES = 80 * 1024;
/** A kept body (for captures and checks) stops growing here; the response is still read to its end. */
export const MAX_KEPT_BODY_BYTES = 8 * 1024 * 1024;

const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;
const COLON = 58;
const SEMICOLON = 59;
/** A chunk size above this is refused: its hex digits would lose precision. */
const MAX_CHUNK_SIZE = 2 ** 48;

const NAME_CONTENT_LENGTH = bytes('content-length');
const NAME_TRANSFER_ENCODING = bytes('transfer-encoding');
const NAME_CONNECTION = bytes('connection');
const NAME_KEEP_ALIVE = bytes('keep-alive');
const VALUE_CHUNKED = bytes('chunked');
const VALUE_CLOSE = bytes('close');
const VALUE_KEEP_ALIVE = NAME_KEEP_ALIVE;

function bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/** ASCII case-insensitive equality of buf[start, end) with a lower-case pattern. */
function equalsLower(buf: Uint8Array, start: number, end: number, lower: Uint8Array): boolean {
  if (end - start !== lower.length) return false;
  for (let index = 0; index < lower.length; index++) {
    const byte = buf[start + index]!;
    if ((byte >= 65 && byte <= 90 ? byte | 0x20 : byte) !== lower[index]) return false;
  }
  return true;
}

/** Whether a comma-separated header value holds `token` (case-insensitive). */
function hasToken(buf: Uint8Array, start: number, end: number, token: Uint8Array): boolean {
  let itemStart = start;
  for (let index = start; index <= end; index++) {
    if (index === end || buf[index] === 44 /* , */) {
      let from = itemStart;
      let to = index;
      while (from < to && (buf[from] === SPACE || buf[from] === TAB)) from++;
      while (to > from && (buf[to - 1] === SPACE || buf[to - 1] === TAB)) to--;
      if (equalsLower(buf, from, to, token)) return true;
      itemStart = index + 1;
    }
  }
  return false;
}

/** Whether the last coding in a Transfer-Encoding value is `chunked`. */
function endsWithChunked(buf: Uint8Array, start: number, end: number): boolean {
  let to = end;
  while (to > start && (buf[to - 1] === SPACE || buf[to - 1] === TAB)) to--;
  let from = to;
  while (from > start && buf[from - 1] !== 44 /* , */) from--;
  while (from < to && (buf[from] === SPACE || buf[from] === TAB)) from++;
  return equalsLower(buf, from, to, VALUE_CHUNKED);
}

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * A kept response's head: Set-Cookie and Location as the framing pass picked them, every other
 * header parsed from the copied head only when something reads them (a header capture, a module).
 */
export class KeptHead {
  private parsed: Record<string, string | string[]> | undefined;

  constructor(
    private readonly head: Buffer | undefined,
    readonly setCookies: readonly string[],
    readonly location: string | undefined,
  ) {}

  /** Lower-case names; a repeated header as an array. */
  get headers(): Record<string, string | string[]> {
    if (this.parsed) return this.parsed;
    const headers: Record<string, string | string[]> = {};
    const head = this.head;
    if (head) {
      let lineStart = head.indexOf(LF) + 1;
      while (lineStart > 0 && lineStart < head.length) {
        const newline = head.indexOf(LF, lineStart);
        const lineEnd = newline < 0 ? head.length : newline;
        const valueEnd = lineEnd > lineStart && head[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
        if (valueEnd === lineStart) break;
        const header = headerOf(head, lineStart, valueEnd);
        if (header) {
          const previous = headers[header.name];
          headers[header.name] = previous === undefined ? header.value : Array.isArray(previous) ? [...previous, header.value] : [previous, header.value];
        }
        lineStart = newline < 0 ? head.length : newline + 1;
      }
    }
    return (this.parsed = headers);
  }
}

/**
 * What a response keeps beyond its framing (bits): Set-Cookie and Location are always picked when
 * anything is kept (cookies and redirects need them); the head and the body only when asked for.
 */
export const KEEP_PICKS = 1;
export const KEEP_HEAD = 2;
export const KEEP_BODY = 4;

/** Most responses set no cookie: they share this (never written to) rather than an array each. */
const NO_COOKIES: string[] = [];
const EMPTY_HEAD = new KeptHead(undefined, NO_COOKIES, undefined);

export class ResponseParser {
  /** The final response's status code (valid once a response is complete). */
  status = 0;
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** The server's `Keep-Alive: timeout=` in ms (-1 if it sent none). */
  keepAliveHintMs = -1;

  /**
   * Set by reset(…, keep) for a request whose response is inspected (captures, checks, cookies,
   * redirects): KEEP_* bits. 0: only the framing is read.
   */
  private keep = 0;
  /** The kept response's head (status line and headers), copied out of the read buffer; parsed only when asked. */
  private headBytes: Buffer | undefined;
  /** Picked while framing (a flow user needs them on every response): Set-Cookie lines and Location. */
  setCookies: string[] = NO_COOKIES;
  location: string | undefined;
  private bodyParts: Buffer[] = [];
  private keptBytes = 0;

  private state = State.Head;
  private headRequest = false;
  private remaining = 0;
  private chunkDigits = 0;
  private trailerLineLength = 0;
  /** Bytes of a response head that arrived split over reads. */
  private partialHead: Buffer | undefined;

  /** Ready for the response to a new request; `keep`: what of it to keep (KEEP_* bits). */
  reset(headRequest: boolean, keep = 0): void {
    this.state = State.Head;
    this.headRequest = headRequest;
    this.status = 0;
    this.keepAlive = true;
    this.partialHead = undefined;
    this.keep = keep;
    if (keep) {
      this.headBytes = undefined;
      this.setCookies = NO_COOKIES;
      this.location = undefined;
      this.bodyParts = [];
      this.keptBytes = 0;
    }
  }

  /** The kept response's head (reset(…, true)), once the response is complete: it outlives the next request. */
  keptHead(): KeptHead {
    if (!this.headBytes && this.setCookies === NO_COOKIES && this.location === undefined) return EMPTY_HEAD;
    return new KeptHead(this.headBytes, this.setCookies, this.location);
  }

  /** The kept body (reset(…, true)), complete once the response is. */
  body(): Buffer {
    if (this.bodyParts.length !== 1) this.bodyParts = [Buffer.concat(this.bodyParts)];
    return this.bodyParts[0]!;
  }

  /** Copies body bytes out of the shared read buffer when the response is kept. */
  private keepBody(buf: Buffer, start: number, end: number): void {
    if ((this.keep & KEEP_BODY) === 0 || end <= start || this.keptBytes >= MAX_KEPT_BODY_BYTES) return;
    const take = Math.min(end - start, MAX_KEPT_BODY_BYTES - this.keptBytes);
    this.bodyParts.push(Buffer.from(buf.subarray(start, start + take)));
    this.keptBytes += take;
  }

  /** True while the body runs until the server closes the connection. */
  get endsAtClose(): boolean {
    return this.state === State.UntilClose;
  }

  /**
   * Consumes buf[start, end). Returns the index just past the end of the response when it is
   * complete (bytes after it belong to no request), or -1 when more bytes are needed.
   * Throws MalformedResponseError when the bytes are not an HTTP/1.x response.
   */
  feed(buf: Buffer, start: number, end: number): number {
    let position = start;
    while (position < end) {
      switch (this.state) {
        case State.Head: {
          const after = this.partialHead === undefined ? this.parseHead(buf, position, end) : this.continueHead(buf, position, end);
          if (after < 0) return -1;
          position = after;
          if (this.state === State.Head) continue; // an interim 1xx response: the final one follows
          if (this.state === State.Length && this.remaining === 0) return position; // no body
          break;
        }
        case State.Length: {
          const available = end - position;
          if (available < this.remaining) {
            this.keepBody(buf, position, end);
            this.remaining -= available;
            return -1;
          }
          this.keepBody(buf, position, position + this.remaining);
          position += this.remaining;
          this.remaining = 0;
          return position;
        }
        case State.ChunkSize: {
          const byte = buf[position++]!;
          const digit = hexValue(byte);
          if (digit >= 0) {
            this.remaining = this.remaining * 16 + digit;
            this.chunkDigits++;
            if (this.remaining > MAX_CHUNK_SIZE) throw new MalformedResponseError('chunk size too large');
          } else if (byte === LF) {
            this.endChunkSizeLine();
          } else if (byte === SEMICOLON || byte === SPACE || byte === TAB) {
            this.state = State.ChunkExtension;
          } else if (byte !== CR) {
            throw new MalformedResponseError('invalid chunk size');
          }
          break;
        }
        case State.ChunkExtension: {
          const newline = buf.indexOf(LF, position);
          if (newline < 0 || newline >= end) return -1;
          position = newline + 1;
          this.endChunkSizeLine();
          break;
        }
        case State.ChunkData: {
          const available = end - position;
          if (available < this.remaining) {
            this.keepBody(buf, position, end);
            this.remaining -= available;
            return -1;
          }
          this.keepBody(buf, position, position + this.remaining);
          position += this.remaining;
          this.remaining = 0;
          this.state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd: {
          const byte = buf[position++]!;
          if (byte === LF) this.startChunkSize();
          else if (byte !== CR) throw new MalformedResponseError('chunk data longer than its size');
          break;
        }
        case State.TrailerLineStart: {
          const byte = buf[position++]!;
          if (byte === LF) {
            if (this.trailerLineLength === 0) return position;
            this.trailerLineLength = 0;
          } else if (byte !== CR) {
            this.trailerLineLength++;
            this.state = State.TrailerLine;
          }
          break;
        }
        case State.TrailerLine: {
          const newline = buf.indexOf(LF, position);
          if (newline < 0 || newline >= end) return -1;
          position = newline + 1;
          this.trailerLineLength = 0;
          this.state = State.TrailerLineStart;
          break;
        }
        case State.UntilClose:
          this.keepBody(buf, position, end);
          return -1;
      }
    }
    return -1;
  }

  private startChunkSize(): void {
    this.state = State.ChunkSize;
    this.remaining = 0;
    this.chunkDigits = 0;
  }

  /** The last chunk (size 0) is followed by optional trailers and a blank line. */
  private endChunkSizeLine(): void {
    if (this.chunkDigits === 0) throw new MalformedResponseError('missing chunk size');
    if (this.remaining === 0) {
      this.state = State.TrailerLineStart;
      this.trailerLineLength = 0;
    } else {
      this.state = State.ChunkData;
    }
  }

  private continueHead(buf: Buffer, start: number, end: number): number {
    const previous = this.partialHead!;
    const joined = Buffer.concat([previous, buf.subarray(start, end)]);
    this.partialHead = undefined;
    const after = this.parseHead(joined, 0, joined.length);
    if (after < 0) return -1; // parseHead kept the joined bytes
    // Map the end of the head back onto this read's bytes.
    return start + (after - previous.length);
  }

  /**
   * Parses a status line and headers from buf[start, end). Returns the index past the blank line
   * that ends them, or -1 (keeping a copy of the bytes) when the head is not complete yet.
   */
  private parseHead(buf: Buffer, start: number, end: number): number {
    const lineEnd = buf.indexOf(LF, start);
    if (lineEnd < 0 || lineEnd >= end) return this.keepPartial(buf, start, end);
    // "HTTP/1.x NNN"
    if (lineEnd - start < 12 || buf[start] !== 72 || buf[start + 1] !== 84 || buf[start + 2] !== 84 || buf[start + 3] !== 80 || buf[start + 4] !== 47 || buf[start + 5] !== 49 || buf[start + 6] !== 46 || buf[start + 8] !== SPACE) {
      throw new MalformedResponseError('not an HTTP/1.x status line');
    }
    if (!isDigit(buf[start + 7]!) || !isDigit(buf[start + 9]!) || !isDigit(buf[start + 10]!) || !isDigit(buf[start + 11]!)) {
      throw new MalformedResponseError('invalid status line');
    }
    const minor = buf[start + 7]! - 48;
    const status = (buf[start + 9]! - 48) * 100 + (buf[start + 10]! - 48) * 10 + (buf[start + 11]! - 48);
    if (status < 100) throw new MalformedResponseError('invalid status code');

    let contentLength = -1;
    let chunked = false;
    let transferEncoding = false;
    let close = minor === 0;
    let lineStart = lineEnd + 1;
    for (;;) {
      const newline = buf.indexOf(LF, lineStart);
      if (newline < 0 || newline >= end) {
        if (end - start > MAX_HEADER_BYTES) throw new MalformedResponseError('response headers too large');
        return this.keepPartial(buf, start, end);
      }
      let valueEnd = newline > lineStart && buf[newline - 1] === CR ? newline - 1 : newline;
      if (valueEnd === lineStart) {
        lineStart = newline + 1;
        break; // the blank line
      }
      if (newline - start > MAX_HEADER_BYTES) throw new MalformedResponseError('response headers too large');
      const first = buf[lineStart]!;
      if (this.keep) {
        const letter = first | 0x20;
        if (letter === 115 /* s */ || letter === 108 /* l */) {
          const header = headerOf(buf, lineStart, valueEnd);
          if (header?.name === 'set-cookie') this.setCookies = [...this.setCookies, header.value];
          else if (header?.name === 'location') this.location = header.value;
        }
      }
      // Only four headers matter; a cheap first-letter test skips the rest (obs-fold lines too).
      const lower = first | 0x20;
      if (lower === 99 /* c */ || lower === 116 /* t */ || lower === 107 /* k */) {
        let colon = lineStart;
        while (colon < valueEnd && buf[colon] !== COLON) colon++;
        if (colon < valueEnd) {
          let valueStart = colon + 1;
          while (valueStart < valueEnd && (buf[valueStart] === SPACE || buf[valueStart] === TAB)) valueStart++;
          while (valueEnd > valueStart && (buf[valueEnd - 1] === SPACE || buf[valueEnd - 1] === TAB)) valueEnd--;
          if (equalsLower(buf, lineStart, colon, NAME_CONTENT_LENGTH)) {
            const length = parseLength(buf, valueStart, valueEnd);
            if (contentLength >= 0 && contentLength !== length) throw new MalformedResponseError('conflicting content-length headers');
            contentLength = length;
          } else if (equalsLower(buf, lineStart, colon, NAME_TRANSFER_ENCODING)) {
            transferEncoding = true;
            chunked = endsWithChunked(buf, valueStart, valueEnd);
          } else if (equalsLower(buf, lineStart, colon, NAME_CONNECTION)) {
            if (hasToken(buf, valueStart, valueEnd, VALUE_CLOSE)) close = true;
            else if (minor === 0 && hasToken(buf, valueStart, valueEnd, VALUE_KEEP_ALIVE)) close = false;
          } else if (equalsLower(buf, lineStart, colon, NAME_KEEP_ALIVE)) {
            const match = /timeout\s*=\s*(\d+)/i.exec(buf.toString('latin1', valueStart, valueEnd));
            if (match) this.keepAliveHintMs = Number(match[1]) * 1000;
          }
        }
      }
      lineStart = newline + 1;
    }

    if (status < 200 && status !== 101) {
      // 100 Continue, 103 Early Hints: the final response follows on the same request.
      this.state = State.Head;
      if (this.keep) {
        this.setCookies = NO_COOKIES;
        this.location = undefined;
      }
      return lineStart;
    }
    if (this.keep & KEEP_HEAD) this.headBytes = Buffer.from(buf.subarray(start, lineStart));
    if (status === 101) throw new MalformedResponseError('unexpected 101 Switching Protocols');
    this.status = status;
    this.keepAlive = !close;
    if (this.headRequest || status === 204 || status === 304) {
      this.state = State.Length;
      this.remaining = 0;
    } else if (transferEncoding) {
      if (chunked) this.startChunkSize();
      else this.untilClose();
    } else if (contentLength >= 0) {
      this.state = State.Length;
      this.remaining = contentLength;
    } else {
      this.untilClose();
    }
    return lineStart;
  }

  private untilClose(): void {
    this.state = State.UntilClose;
    this.keepAlive = false;
  }

  private keepPartial(buf: Buffer, start: number, end: number): number {
    if (end - start > MAX_HEADER_BYTES) throw new MalformedResponseError('response headers too large');
    this.partialHead = Buffer.from(buf.subarray(start, end));
    return -1;
  }
}

/** A header line's lower-case name and trimmed value. */
function headerOf(buf: Buffer, start: number, end: number): { name: string; value: string } | undefined {
  const colon = buf.indexOf(COLON, start);
  if (colon < 0 || colon >= end) return undefined;
  let valueStart = colon + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && (buf[valueStart] === SPACE || buf[valueStart] === TAB)) valueStart++;
  while (valueEnd > valueStart && (buf[valueEnd - 1] === SPACE || buf[valueEnd - 1] === TAB)) valueEnd--;
  return { name: buf.toString('latin1', start, colon).toLowerCase(), value: buf.toString('latin1', valueStart, valueEnd) };
}

function isDigit(byte: number): boolean {
  return byte >= 48 && byte <= 57;
}

function parseLength(buf: Uint8Array, start: number, end: number): number {
  if (start === end) throw new MalformedResponseError('empty content-length');
  let value = 0;
  for (let index = start; index < end; index++) {
    const byte = buf[index]!;
    if (!isDigit(byte)) throw new MalformedResponseError('invalid content-length');
    value = value * 10 + byte - 48;
  }
  if (!Number.isSafeInteger(value)) throw new MalformedResponseError('content-length too large');
  return value;
}
