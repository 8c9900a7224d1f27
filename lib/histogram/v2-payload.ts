import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, brotliDecompressSync, constants, deflateSync, inflateSync, type BrotliOptions } from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import { V2_COOKIE_BASE } from './js-histogram-internals.js';
import { writeV2Payload } from './write-v2-payload.js';

/**
 * A histogram's V2 payload (HdrHistogram's documented encoding: header, then the counts as ZigZag
 * LEB128 varints, which the Java, Go, Rust and JS ports all read), in the two forms fanout moves:
 *
 * - stored (slice results, in the BlobStore): brotli-compressed bytes. Brotli's context modelling
 *   suits the counts' slowly varying varints: about 15 % smaller than HdrHistogram's own zlib
 *   wrapper for a slice's latencies (docs/benchmarks.md), at under a millisecond per histogram:
 *   spent on libuv's thread pool when a step ends while the slice's load goes on, on the event
 *   loop only once the load has stopped;
 * - live (progress between threads while load runs): the payload as it is, since an encode there
 *   holds up requests in flight and nothing is stored.
 *
 * Decoding tells them apart by the payload's cookie; HdrHistogram's compressed form (cookie, length,
 * zlib), what other HdrHistogram tools write, is read too.
 */
const COMPRESSED_COOKIE_BASE = 0x1c849304;
/**
 * Quality 4: about a tenth larger than quality 10 on latency counts (the bench's 60 s slice at
 * 1,000 req/s: 3,140 B against 2,855 B; docs/benchmarks.md) at a tenth of its time, about 0.4 ms a
 * histogram instead of 2 to 5 ms, even for a one-second timeline interval. A worker encodes a step's
 * histograms as the step ends, while its load goes on.
 */
const STORED_QUALITY = 4;

/**
 * The histogram's uncompressed V2 payload: written from its counts (write-v2-payload.ts), or for a
 * histogram of another implementation by hdr-histogram-js (its fastest zlib level, then inflated).
 */
export function v2PayloadOf(histogram: hdr.Histogram): Buffer {
  return writeV2Payload(histogram) ?? stripCompressedWrapper(Buffer.from(hdr.encodeIntoCompressedBase64(histogram, 1), 'base64'));
}

const brotliCompressOffLoop = promisify<Uint8Array, BrotliOptions, Buffer>(brotliCompress);

function storedOptions(payload: Uint8Array): BrotliOptions {
  return { params: { [constants.BROTLI_PARAM_QUALITY]: STORED_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: payload.length } };
}

export function compressPayload(payload: Uint8Array): Buffer {
  return brotliCompressSync(payload, storedOptions(payload));
}

/** compressPayload on libuv's thread pool: the same bytes, without holding up the event loop. */
export function compressPayloadOffLoop(payload: Uint8Array): Promise<Buffer> {
  return brotliCompressOffLoop(payload, storedOptions(payload));
}

/** The V2 payload inside any of the forms; throws when the bytes are none of them. */
export function decodePayload(encoded: Uint8Array): Buffer {
  const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  if (hasCookie(bytes, V2_COOKIE_BASE)) return bytes;
  let payload: Buffer;
  try {
    payload = hasCookie(bytes, COMPRESSED_COOKIE_BASE) ? stripCompressedWrapper(bytes) : brotliDecompressSync(bytes);
  } catch {
    throw new Error('not an encoded HDR histogram (neither brotli nor zlib data)');
  }
  if (!hasCookie(payload, V2_COOKIE_BASE)) throw new Error('not an encoded HDR histogram');
  return payload;
}

/** HdrHistogram's compressed encoding of a V2 payload, base64 (for the library's general decoder). */
export function compressedHdrOf(payload: Buffer): string {
  const compressed = deflateSync(payload);
  const header = Buffer.alloc(8);
  header.writeInt32BE(COMPRESSED_COOKIE_BASE | 0x10, 0);
  header.writeInt32BE(compressed.length, 4);
  return Buffer.concat([header, compressed]).toString('base64');
}

/** The cookie's low byte carries the word size: compare the rest. */
function hasCookie(bytes: Buffer, cookieBase: number): boolean {
  return bytes.length >= 8 && (bytes.readInt32BE(0) & ~0xf0) === cookieBase;
}

function stripCompressedWrapper(bytes: Buffer): Buffer {
  return inflateSync(bytes.subarray(8, 8 + bytes.readInt32BE(4)));
}
