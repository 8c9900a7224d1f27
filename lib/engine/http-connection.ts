import { connect as connectTcp, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as connectTls } from 'node:tls';
import { ConnectTimeoutError, RequestCutError, ResponseTimeoutError, SocketClosedError } from './connection-errors.js';
import { ResponseParser, type KeptHead } from './response-parser.js';

/** What a connection sends: the request's bytes as they go on the wire. */
export interface WireRequest {
  readonly wire: Buffer;
  /** A HEAD response has no body whatever its headers say. */
  readonly isHead: boolean;
}

/**
 * One keep-alive HTTP/1.1 connection with one request in flight, as a browser tab or a Locust user
 * holds. It is the engine's own (not undici's Client) because the hot path then costs about half
 * the CPU (docs/benchmarks.md): the request's bytes are built once and written as they are, plain
 * TCP responses are read into one buffer shared by every connection of the thread (Node's `onread`),
 * and the parser only frames responses. Nothing is allocated per request but what Node's write needs;
 * timeouts are swept by the session instead of a timer per request.
 */
export interface Endpoint {
  /** Host name or IP address to connect to (IPv6 without brackets). */
  host: string;
  port: number;
  tls: boolean;
  /** TLS server name (SNI), unless the host is an IP address. */
  servername: string | undefined;
  /** The deadline of a whole request, from its send to its last byte (connecting included). */
  timeoutMs: number;
  /** How long an idle connection is reused; the server's `Keep-Alive: timeout=` lowers it. */
  idleMs: number;
  /** TLS: certificates to trust or present, and whether to check the server's at all. */
  tlsOptions: TlsSettings | undefined;
}

/** The scenario's `tls:` (and `--insecure`), with files already read. */
export interface TlsSettings {
  /** Accept any server certificate (self-signed staging hosts): the report warns. */
  insecure: boolean;
  /** PEM: certificate authorities to trust instead of Node's. */
  ca?: string | undefined;
  /** PEM: a client certificate and its key (mutual TLS). */
  cert?: string | undefined;
  key?: string | undefined;
  /** The server name to send (SNI) and check the certificate against, when it differs from the host. */
  servername?: string | undefined;
}

export function endpointFor(url: URL, timeoutMs: number, idleMs: number, tlsOptions?: TlsSettings): Endpoint {
  const tls = url.protocol === 'https:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  const servername = tls ? (tlsOptions?.servername ?? (isIp ? undefined : host)) : undefined;
  return { host, port: url.port ? Number(url.port) : tls ? 443 : 80, tls, servername, timeoutMs, idleMs, tlsOptions: tls ? tlsOptions : undefined };
}

/** Who is told how a request ended; called once per send, never from inside send(). */
export interface ResponseHandler {
  onResponse(status: number, now: number): void;
  onFailure(error: Error, now: number): void;
}

/** A server's keep-alive hint is trusted up to this much before it runs out (as undici does). */
const KEEP_ALIVE_MARGIN_MS = 2000;

/** Every plain-TCP connection of this thread reads into this buffer; reads are handled one at a time. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class HttpConnection {
  private socket: Socket | undefined;
  private connecting = false;
  private socketError: Error | undefined;
  private readonly parser = new ResponseParser();
  private inFlight = false;
  /** When the request in flight was sent (performance.now()): its deadline counts from here. */
  private sentAt = 0;
  private idleSince = 0;
  private closed = false;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly handler: ResponseHandler,
  ) {}

  /**
   * Sends a request; the connection must have none in flight. Connects (again) when needed. `keep`
   * (KEEP_* bits of response-parser.ts): what of the response the handler reads (responseHead(),
   * responseBody()); 0: only its framing is read.
   */
  send(request: WireRequest, now: number, keep = 0): void {
    this.sendBytes(request.wire, request.isHead, now, keep);
  }

  /** send() for a request built per send (flows), without an object around its bytes. */
  sendBytes(wire: Buffer, isHead: boolean, now: number, keep = 0): void {
    // A connection the server has ended (its FIN read, without Connection: close) or kept idle too long is not reused.
    const socket = this.socket;
    if (socket && (socket.readableEnded || socket.destroyed || now - this.idleSince > this.idleLimitMs())) this.dropSocket();
    if (!this.socket) this.open(now);
    this.parser.reset(isHead, keep);
    this.inFlight = true;
    this.sentAt = now;
    this.socket!.write(wire);
  }

  get busy(): boolean {
    return this.inFlight;
  }

  /** The kept response's head (its headers, Set-Cookie, Location), inside onResponse. */
  responseHead(): KeptHead {
    return this.parser.keptHead();
  }

  /** The kept response's body, inside onResponse. */
  responseBody(): Buffer {
    return this.parser.body();
  }

  /**
   * Fails the request in flight once the timeout has passed since it was sent: a deadline for the
   * whole request (connect, head and body), so that a server trickling a byte a second still times out.
   */
  checkTimeout(now: number): void {
    if (!this.inFlight || now - this.sentAt <= this.endpoint.timeoutMs) return;
    const error = this.connecting ? new ConnectTimeoutError(this.endpoint.timeoutMs) : new ResponseTimeoutError(this.endpoint.timeoutMs);
    this.dropSocket();
    this.fail(error, now);
  }

  /** Ends the request in flight without its response (a slice hand-off, a stop): it is reported as cut. */
  cut(now: number, reason: string): void {
    if (!this.inFlight) return;
    this.dropSocket();
    this.fail(new RequestCutError(now - this.sentAt, reason), now);
  }

  /** Closes the connection for good; a request in flight is not reported. */
  destroy(): void {
    this.closed = true;
    this.inFlight = false;
    this.dropSocket();
  }

  private idleLimitMs(): number {
    const hint = this.parser.keepAliveHintMs;
    return hint >= 0 ? Math.min(hint - KEEP_ALIVE_MARGIN_MS, this.endpoint.idleMs) : this.endpoint.idleMs;
  }

  private open(now: number): void {
    const { host, port, servername } = this.endpoint;
    this.connecting = true;
    this.socketError = undefined;
    this.parser.keepAliveHintMs = -1;
    let socket: Socket;
    if (this.endpoint.tls) {
      const options = this.endpoint.tlsOptions;
      socket = connectTls({
        host,
        port,
        servername,
        ALPNProtocols: ['http/1.1'],
        ...(options?.insecure ? { rejectUnauthorized: false } : {}),
        ...(options?.ca ? { ca: options.ca } : {}),
        ...(options?.cert ? { cert: options.cert } : {}),
        ...(options?.key ? { key: options.key } : {}),
      });
      socket.setNoDelay(true);
      socket.on('secureConnect', () => this.onConnected(socket));
      socket.on('data', (chunk: Buffer) => {
        if (this.socket === socket) this.onBytes(chunk, chunk.length);
      });
    } else {
      socket = connectTcp({
        host,
        port,
        noDelay: true,
        onread: {
          buffer: READ_BUFFER,
          callback: (bytes: number, buffer: Uint8Array) => {
            if (this.socket === socket) this.onBytes(buffer as Buffer, bytes);
            return true;
          },
        },
      });
      socket.on('connect', () => this.onConnected(socket));
    }
    socket.on('error', (error: Error) => {
      if (this.socket === socket) this.socketError ??= error;
    });
    socket.on('close', () => this.onClosed(socket));
    this.socket = socket;
  }

  private onConnected(socket: Socket): void {
    if (this.socket !== socket) return;
    this.connecting = false;
  }

  private onBytes(buffer: Buffer, length: number): void {
    const now = performance.now();
    if (!this.inFlight) {
      // Bytes nobody asked for (a 408 before an idle close, say): the connection is not reusable.
      this.dropSocket();
      return;
    }
    let end: number;
    try {
      end = this.parser.feed(buffer, 0, length);
    } catch (error) {
      this.dropSocket();
      this.fail(error as Error, now);
      return;
    }
    if (end < 0) return;
    // Complete. Extra bytes after the response belong to no request: the connection is not reusable.
    if (!this.parser.keepAlive || end < length) this.dropSocket();
    this.inFlight = false;
    this.idleSince = now;
    this.handler.onResponse(this.parser.status, now);
  }

  private onClosed(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.connecting = false;
    if (!this.inFlight || this.closed) return;
    const now = performance.now();
    if (this.parser.endsAtClose && !this.socketError) {
      // A body delimited by the connection's end is complete now.
      this.inFlight = false;
      this.idleSince = now;
      this.handler.onResponse(this.parser.status, now);
      return;
    }
    this.fail(this.socketError ?? new SocketClosedError(), now);
  }

  private fail(error: Error, now: number): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    this.handler.onFailure(error, now);
  }

  private dropSocket(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    this.connecting = false;
    socket.destroy();
  }
}
