import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParser } from '../../lib/engine/response-parser.js';
import { MalformedResponseError } from '../../lib/engine/connection-errors.js';

interface Parsed {
  /** Offset just past the response in the byte stream, or -1 when it never completed. */
  end: number;
  status: number;
  keepAlive: boolean;
  endsAtClose: boolean;
  keepAliveHintMs: number;
}

/** Feeds `text` in pieces cut at `cuts` (offsets), each piece in a buffer of its own with stale bytes after it. */
function parse(text: string, cuts: number[] = [], head = false): Parsed {
  const bytes = Buffer.from(text, 'latin1');
  const parser = new ResponseParser();
  parser.reset(head);
  const bounds = [0, ...cuts.filter((cut) => cut > 0 && cut < bytes.length), bytes.length];
  for (let index = 0; index + 1 < bounds.length; index++) {
    const piece = bytes.subarray(bounds[index], bounds[index + 1]);
    // The engine reads into a shared buffer: what lies past the read's end is stale and must be ignored.
    const shared = Buffer.concat([piece, Buffer.from('\r\n\r\nHTTP/1.1 500 stale\r\n\r\n')]);
    const end = parser.feed(shared, 0, piece.length);
    if (end >= 0) return { end: bounds[index]! + end, status: parser.status, keepAlive: parser.keepAlive, endsAtClose: parser.endsAtClose, keepAliveHintMs: parser.keepAliveHintMs };
  }
  return { end: -1, status: parser.status, keepAlive: parser.keepAlive, endsAtClose: parser.endsAtClose, keepAliveHintMs: parser.keepAliveHintMs };
}

/** The same result whether the bytes come at once, one by one, or cut anywhere in two. */
function parseEveryWay(text: string, head = false): Parsed {
  const whole = parse(text, [], head);
  const byteByByte = parse(text, Array.from({ length: text.length }, (_, index) => index), head);
  assert.deepEqual(byteByByte, whole, 'byte by byte');
  for (let cut = 1; cut < text.length; cut++) assert.deepEqual(parse(text, [cut], head), whole, `cut at ${cut}`);
  return whole;
}

test('content-length: the response ends after its body, in any split of the bytes', () => {
  const text = 'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello';
  assert.deepEqual(parseEveryWay(text), { end: text.length, status: 200, keepAlive: true, endsAtClose: false, keepAliveHintMs: -1 });
  const empty = 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n';
  assert.equal(parseEveryWay(empty).end, empty.length);
  assert.equal(parseEveryWay(empty).status, 404);
});

test('chunked bodies with extensions and trailers end after the last chunk', () => {
  const text = 'HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;name=value\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Checksum: abc\r\n\r\n';
  assert.deepEqual(parseEveryWay(text), { end: text.length, status: 201, keepAlive: true, endsAtClose: false, keepAliveHintMs: -1 });
  const noTrailers = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
  assert.equal(parseEveryWay(noTrailers).end, noTrailers.length);
});

test('1xx interim responses are skipped; HEAD, 204 and 304 have no body', () => {
  const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
  assert.deepEqual(parseEveryWay(text), { end: text.length, status: 200, keepAlive: true, endsAtClose: false, keepAliveHintMs: -1 });
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n';
  assert.equal(parseEveryWay(head, true).end, head.length);
  for (const status of ['204 No Content', '304 Not Modified']) {
    const text2 = `HTTP/1.1 ${status}\r\nContent-Length: 99\r\n\r\n`;
    assert.equal(parseEveryWay(text2).end, text2.length);
  }
});

test('connection: close, HTTP/1.0 and bodies that run until the server closes', () => {
  assert.equal(parseEveryWay('HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
  assert.equal(parseEveryWay('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
  assert.equal(parseEveryWay('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').keepAlive, true);
  const untilClose = parseEveryWay('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome bytes and more');
  assert.equal(untilClose.end, -1);
  assert.equal(untilClose.endsAtClose, true);
  assert.equal(untilClose.keepAlive, false);
  const identity = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx');
  assert.equal(identity.endsAtClose, true);
});

test("the server's keep-alive timeout is read; LF-only lines are accepted", () => {
  assert.equal(parseEveryWay('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n').keepAliveHintMs, 5000);
  const lf = 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok';
  assert.equal(parseEveryWay(lf).end, lf.length);
});

test('bytes after a complete response are left unread', () => {
  const response = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
  assert.equal(parse(`${response}HTTP/1.1 200 OK\r\n`).end, response.length);
});

test('malformed responses are refused', () => {
  const bad = [
    'SSH-2.0-OpenSSH_9.2\r\n\r\n',
    'HTTP/2 200\r\n\r\n',
    'HTTP/1.1 2x0 OK\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n',
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n',
  ];
  for (const text of bad) assert.throws(() => parse(text), MalformedResponseError, text);
  const huge = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`;
  assert.throws(() => parse(huge, [1000, 50_000]), MalformedResponseError);
});
