import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface TestTargetOptions {
  /** Fixed delay before each response. */
  delayMs?: number;
  /** Status to answer with (per path: `statusByPath`). */
  status?: number;
  statusByPath?: Record<string, number>;
  /** Requests served at once; others queue (capacity = slots / delay). */
  slots?: number;
  /** Every `everyMs`, hold all responses for `forMs` (a GC pause, a lock, a stalled dependency). */
  stall?: { everyMs: number; forMs: number };
  /** Send the head at once, then the body a byte every `everyMs` (a server that trickles). */
  trickle?: { everyMs: number; bytes: number };
}

export interface TestTarget {
  url: string;
  port: number;
  /** Requests received (counted when the request arrives). */
  received(): number;
  /** When (epoch ms) the first and the last request arrived; undefined before any. */
  firstReceivedAt(): number | undefined;
  lastReceivedAt(): number | undefined;
  /** Requests received per path. */
  receivedByPath(): Record<string, number>;
  /** Requests received per request target as sent: path and query. */
  receivedByUrl(): Record<string, number>;
  /** The Authorization headers received, with how often each came. */
  authorizations(): Record<string, number>;
  /** Responses fully written. */
  answered(): number;
  /** TCP connections accepted. */
  connections(): number;
  /** The most requests in flight at once: received, and neither answered nor closed by the client. */
  maxInFlight(): number;
  close(): Promise<void>;
}

/**
 * Node's timers run on the loop's cached clock and can fire up to a millisecond early; a target
 * that promises a delay waits out the rest, so that it never answers sooner than it says.
 */
function delayAtLeast(delayMs: number, then: () => void): void {
  const due = performance.now() + delayMs;
  // The last stretch in turns of the loop (a second timer would add a whole millisecond).
  const check = () => {
    if (performance.now() >= due) then();
    else setImmediate(check);
  };
  setTimeout(check, Math.max(0, delayMs - 1));
}

/** An HTTP server on 127.0.0.1 that counts what it receives: the ground truth tests compare reports with. */
export async function startTestTarget(options: TestTargetOptions = {}): Promise<TestTarget> {
  let received = 0;
  let answered = 0;
  let connections = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const byPath: Record<string, number> = {};
  const byUrl: Record<string, number> = {};
  const authorizations: Record<string, number> = {};
  let busy = 0;
  const queue: Array<() => void> = [];
  const startedAt = Date.now();
  const stallRemaining = () => {
    if (!options.stall) return 0;
    const phase = (Date.now() - startedAt) % options.stall.everyMs;
    const stallStarts = options.stall.everyMs - options.stall.forMs;
    return phase >= stallStarts ? options.stall.everyMs - phase : 0;
  };

  const respond = (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const status = options.statusByPath?.[path] ?? options.status ?? 200;
    const finish = () => {
      const wait = stallRemaining();
      if (wait > 0) {
        setTimeout(finish, wait);
        return;
      }
      if (options.trickle && !response.destroyed) {
        const { everyMs, bytes } = options.trickle;
        response.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(bytes) });
        let sent = 0;
        const drip = setInterval(() => {
          if (response.destroyed) return clearInterval(drip);
          response.write('x');
          if (++sent === bytes) {
            clearInterval(drip);
            response.end();
          }
        }, everyMs);
      } else if (!response.destroyed) response.writeHead(status, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
      answered++;
      if (options.slots !== undefined) {
        busy--;
        queue.shift()?.();
      }
    };
    const serve = () => {
      if (options.slots !== undefined) busy++;
      if (options.delayMs) delayAtLeast(options.delayMs, finish);
      else finish();
    };
    if (options.slots !== undefined && busy >= options.slots) queue.push(serve);
    else serve();
  };

  let firstAt: number | undefined;
  let lastAt: number | undefined;
  const server = createServer((request, response) => {
    received++;
    lastAt = Date.now();
    firstAt ??= lastAt;
    const path = (request.url ?? '/').split('?')[0]!;
    byPath[path] = (byPath[path] ?? 0) + 1;
    byUrl[request.url ?? '/'] = (byUrl[request.url ?? '/'] ?? 0) + 1;
    const authorization = request.headers.authorization;
    if (authorization !== undefined) authorizations[authorization] = (authorizations[authorization] ?? 0) + 1;
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    let settled = false;
    // In flight until the response is written or the client gives up on it (closes its connection).
    const settle = () => {
      if (settled) return;
      settled = true;
      inFlight--;
    };
    response.on('finish', settle);
    response.on('close', settle);
    request.resume();
    request.on('end', () => respond(request, response));
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received: () => received,
    firstReceivedAt: () => firstAt,
    lastReceivedAt: () => lastAt,
    receivedByPath: () => ({ ...byPath }),
    receivedByUrl: () => ({ ...byUrl }),
    authorizations: () => ({ ...authorizations }),
    answered: () => answered,
    connections: () => connections,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
