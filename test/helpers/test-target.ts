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
}

export interface TestTarget {
  url: string;
  port: number;
  /** Requests received (counted when the request arrives). */
  received(): number;
  /** Requests received per path. */
  receivedByPath(): Record<string, number>;
  /** Responses fully written. */
  answered(): number;
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
  const byPath: Record<string, number> = {};
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
      if (!response.destroyed) response.writeHead(status, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
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

  const server = createServer((request, response) => {
    received++;
    const path = (request.url ?? '/').split('?')[0]!;
    byPath[path] = (byPath[path] ?? 0) + 1;
    request.resume();
    request.on('end', () => respond(request, response));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received: () => received,
    receivedByPath: () => ({ ...byPath }),
    answered: () => answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
