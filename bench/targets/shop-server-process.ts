import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { ShopStats } from './shop-server.js';

/**
 * The flows benchmark's target: the shop of test/helpers/shop-target.ts (POST /login checks an
 * account and hands out a token; GET /items?page=N and /items/{id} refuse unknown tokens and ids),
 * served straight over node:net so that it stays light beside the generators: requests are framed
 * by hand (head, Content-Length body, pipelining), answers are cached bytes, and each batch of
 * answers goes out in one write. node:http costs several times more per request and would make the
 * target, not the generator, the limit.
 *
 * Counts what it receives, per route, and the time of the first and last request since the last
 * reset: the window in which a generator that does not measure itself made its load; and its own
 * CPU since the reset, which tells whether the shop, not the generator, was the limit.
 * `GET /__stats` answers the counts (JSON), `POST /__reset` zeroes them; neither is counted.
 * argv[2]: how many accounts (user{i}@example.com, password secret-{i}). Prints {"port": N} once it listens.
 */
const accounts = Number(process.argv[2] ?? 1000);

let stats: ShopStats = emptyStats();
let accountsLoggedIn = new Set<string>();
let cpuAtReset = process.cpuUsage();
const tokens = new Set<string>();

function emptyStats(): ShopStats {
  return { received: { login: 0, list: 0, item: 0, other: 0 }, refused: 0, accountsLoggedIn: 0, firstAt: 0, lastAt: 0, cpuSeconds: 0 };
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' };

function response(status: number, body: string): Buffer {
  const payload = Buffer.from(body);
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: application/json\r\ncontent-length: ${payload.length}\r\n\r\n`, 'latin1'),
    payload,
  ]);
}

const UNAUTHORIZED = response(401, '{"error":"unauthorized"}');
const NOT_FOUND = response(404, '{"error":"not found"}');
const BAD_REQUEST = response(400, '{"error":"bad request"}');

/** A list page's answer, as the test shop gives it: five items whose ids are page*100 + 0..4. */
const listPages = new Map<number, Buffer>();
function listPage(page: number): Buffer {
  let cached = listPages.get(page);
  if (!cached) {
    const items = Array.from({ length: 5 }, (_, index) => ({ id: page * 100 + index, name: `item ${page}-${index}` }));
    listPages.set(page, (cached = response(200, JSON.stringify({ page, items }))));
  }
  return cached;
}

const itemAnswers = new Map<number, Buffer>();
function item(id: number): Buffer {
  if (!Number.isInteger(id) || id < 100 || id >= 2100 || id % 100 >= 5) return refuse(NOT_FOUND);
  let cached = itemAnswers.get(id);
  if (!cached) itemAnswers.set(id, (cached = response(200, JSON.stringify({ id, name: `item ${id}`, price: 10 }))));
  return cached;
}

function refuse(answer: Buffer): Buffer {
  stats.refused++;
  return answer;
}

function login(body: Buffer): Buffer {
  let credentials: { user?: unknown; password?: unknown };
  try {
    credentials = JSON.parse(body.toString('utf8')) as typeof credentials;
  } catch {
    return refuse(BAD_REQUEST);
  }
  const match = /^user(\d+)@example\.com$/.exec(String(credentials.user));
  const number = match ? Number(match[1]) : -1;
  if (number < 0 || number >= accounts || credentials.password !== `secret-${number}`) return refuse(UNAUTHORIZED);
  const token = randomBytes(8).toString('hex');
  tokens.add(token);
  accountsLoggedIn.add(String(credentials.user));
  return response(200, JSON.stringify({ token }));
}

const AUTHORIZATION = /\r\nauthorization: *Bearer ([^\r]*)/i;
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;
const CLOSE = /\r\nconnection: *close/i;

function authorised(head: string): boolean {
  const match = AUTHORIZATION.exec(head);
  return match !== null && tokens.has(match[1]!);
}

/** The answer to one request; its head is latin1 text up to (not including) the blank line. */
function answer(head: string, body: Buffer): Buffer {
  const space = head.indexOf(' ');
  const method = head.slice(0, space);
  const target = head.slice(space + 1, head.indexOf(' ', space + 1));
  if (method === 'GET' && target === '/__stats') {
    const cpu = process.cpuUsage(cpuAtReset);
    return response(200, JSON.stringify({ ...stats, accountsLoggedIn: accountsLoggedIn.size, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
  }
  if (method === 'POST' && target === '/__reset') {
    stats = emptyStats();
    accountsLoggedIn = new Set();
    cpuAtReset = process.cpuUsage();
    return response(200, '{}');
  }
  const now = Date.now();
  if (stats.firstAt === 0) stats.firstAt = now;
  stats.lastAt = now;
  if (method === 'GET' && target.startsWith('/items/')) {
    stats.received.item++;
    return authorised(head) ? item(Number(target.slice('/items/'.length))) : refuse(UNAUTHORIZED);
  }
  if (method === 'GET' && (target === '/items' || target.startsWith('/items?'))) {
    stats.received.list++;
    if (!authorised(head)) return refuse(UNAUTHORIZED);
    const page = /[?&]page=(\d+)/.exec(target);
    return listPage(page ? Number(page[1]) : 1);
  }
  if (method === 'POST' && target === '/login') {
    stats.received.login++;
    return login(body);
  }
  stats.received.other++;
  return refuse(NOT_FOUND);
}

const HEAD_END = Buffer.from('\r\n\r\n');

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  let pending: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    const data = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    const answers: Buffer[] = [];
    let offset = 0;
    let close = false;
    while (offset < data.length) {
      const headEnd = data.indexOf(HEAD_END, offset);
      if (headEnd < 0) break;
      const head = data.toString('latin1', offset, headEnd);
      const length = Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
      const bodyStart = headEnd + HEAD_END.length;
      if (data.length < bodyStart + length) break;
      answers.push(answer(head, data.subarray(bodyStart, bodyStart + length)));
      offset = bodyStart + length;
      if (CLOSE.test(head)) {
        close = true;
        break;
      }
    }
    if (!close && offset < data.length) {
      pending = Buffer.from(data.subarray(offset));
      if (pending.length > 64 * 1024) {
        answers.push(BAD_REQUEST);
        close = true;
      }
    }
    if (answers.length === 1) socket.write(answers[0]!);
    else if (answers.length > 1) socket.write(Buffer.concat(answers));
    if (close) socket.end();
  });
  socket.on('error', () => socket.destroy());
}

const server = createServer({ noDelay: true }, serve);
server.maxConnections = 20_000;
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
