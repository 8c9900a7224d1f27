import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A reference for the open-model precision benchmark, not a load tester: the least an open-model
 * generator can do in Node on this machine. It keeps fanout's schedule (a timer tick sends what falls
 * due before the next tick can come, 2 ms ahead; waiting sends take the next free connection) and
 * drops everything else: no request mix, no parser beyond the response's end, no histograms (exact
 * percentiles of every response after the warm-up). Beside bench/peers/open-loop.c (the same loop with
 * no runtime) it separates what the machine, Node's event loop and fanout's engine each add.
 *
 * argv[2]: {"url":…,"rate":R,"seconds":S,"warmUpSeconds":W,"maxConnections":M} → one JSON line (OpenLoopResult).
 */
export interface OpenLoopJob {
  url: string;
  rate: number;
  seconds: number;
  warmUpSeconds: number;
  maxConnections: number;
}

export interface OpenLoopResult {
  scheduled: number;
  responses: number;
  measured: number;
  late: number;
  p50Ms: number;
  p99Ms: number;
  serviceP99Ms: number;
}

const SEND_AHEAD_MS = 2;
const LATE_MS = 10;

const job = JSON.parse(process.argv[2]!) as OpenLoopJob;
const url = new URL(job.url);
const request = Buffer.from(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`, 'latin1');
const capacity = Math.ceil(job.rate * job.seconds) + 16;
const latency = new Float64Array(capacity);
const service = new Float64Array(capacity);
let measured = 0;
let responses = 0;
let scheduled = 0;
let late = 0;

class Connection {
  private readonly socket: Socket;
  private pending: Buffer = Buffer.alloc(0);
  private intended = 0;
  private sent = 0;

  constructor() {
    this.socket = connect(Number(url.port), url.hostname);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => {
      process.stderr.write(`open-loop-node: ${error.message}\n`);
      process.exit(1);
    });
  }

  send(intended: number, now: number): void {
    if (now - intended > LATE_MS) late++;
    this.intended = intended;
    this.sent = now;
    this.socket.write(request);
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const length = responseLength(this.pending);
    if (length === 0) return;
    this.pending = this.pending.subarray(length);
    const now = performance.now();
    responses++;
    if (this.intended - start >= job.warmUpSeconds * 1000) {
      latency[measured] = now - this.intended;
      service[measured] = now - this.sent;
      measured++;
    }
    const waiting = backlog.shift();
    if (waiting !== undefined) this.send(waiting, now);
    else free.push(this);
  }
}

/** Bytes of a whole response at the start of the buffer (headers + Content-Length), 0 while incomplete. */
function responseLength(buffer: Buffer): number {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return 0;
  const head = buffer.toString('latin1', 0, headEnd);
  const match = /content-length:\s*(\d+)/i.exec(head);
  const length = headEnd + 4 + (match ? Number(match[1]) : 0);
  return buffer.length >= length ? length : 0;
}

const free: Connection[] = [];
const backlog: number[] = [];
let open = 0;
const interval = 1000 / job.rate;
const start = performance.now() + 20;
const end = start + job.seconds * 1000;
let next = 0;

function tick(): void {
  const now = performance.now();
  const sendUntil = now + SEND_AHEAD_MS;
  let due = start + next * interval;
  while (due <= sendUntil && due < end) {
    next++;
    scheduled++;
    const connection = free.pop() ?? (open < job.maxConnections ? (open++, new Connection()) : undefined);
    // A send ahead of its time is measured from when it went out, as fanout's open model does.
    if (connection) connection.send(Math.min(due, now), now);
    else backlog.push(due);
    due = start + next * interval;
  }
  if (due < end) setTimeout(tick, Math.max(0, due - sendUntil));
  else setTimeout(finish, 2000);
}

function finish(): void {
  if (measured === 0) {
    process.stderr.write('open-loop-node: no responses measured\n');
    process.exit(1);
  }
  const sortedLatency = latency.subarray(0, measured).sort();
  const sortedService = service.subarray(0, measured).sort();
  const result: OpenLoopResult = {
    scheduled,
    responses,
    measured,
    late,
    p50Ms: sortedLatency[Math.floor(measured * 0.5)]!,
    p99Ms: sortedLatency[Math.floor(measured * 0.99)]!,
    serviceP99Ms: sortedService[Math.floor(measured * 0.99)]!,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

setTimeout(tick, 20);
