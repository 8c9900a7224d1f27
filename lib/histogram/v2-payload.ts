import { brotliCompressSync, brotliDecompressSync, constants, deflateSync, inflateSync } from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import { V2_COOKIE_BASE } from './add-v2-counts.js';

/**
 * A histogram's V2 payload (HdrHistogram's documented encoding: header, then the counts as ZigZag
 * LEB128 varints, which the Java, Go, Rust and JS ports all read) and the two ways it travels:
 *
 * - stored (slice results, in the BlobStore): brotli-compressed, base64. Brotli's context modelling
 *   suits the counts' slowly varying varints: about 25 % smaller than HdrHistogram's own zlib
 *   wrapper for a slice's latencies (docs/benchmarks.md), at a few milliseconds per histogram,
 *   spent once when a slice ends, after its load has stopped;
 * - HdrHistogram's compressed encoding (cookie, length, zlib), base64: what every HdrHistogram tool
 *   writes, and what live progress sends while load runs, where a sub-millisecond encode matters more.
 *
 * Decoding tells them apart by the compressed encoding's cookie, so either is accepted anywhere.
 */
const COMPRESSED_COOKIE_BASE = 0x1c849304;
/**
 * Quality 10, not 11: as small or smaller on these payloads (measured on slice-sized histograms) at
 * half the time: about 90 ms to encode a whole 60 s slice result at 1,000 req/s (docs/benchmarks.md).
 */
const STORED_QUALITY = 10;

type AnyHistogram = hdr.Histogram;

/** The histogram's uncompressed V2 payload, written by hdr-histogram-js (its fastest zlib level, then inflated). */
export function v2PayloadOf(histogram: AnyHistogram): Buffer {
  return stripCompressedWrapper(Buffer.from(hdr.encodeIntoCompressedBase64(histogram, 1), 'base64'));
}

export function encodeStored(histogram: AnyHistogram): string {
  const payload = v2PayloadOf(histogram);
  return brotliCompressSync(payload, {
    params: { [constants.BROTLI_PARAM_QUALITY]: STORED_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: payload.length },
  }).toString('base64');
}

export function encodeCompressedHdr(histogram: AnyHistogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** The V2 payload inside either form; throws when the text is neither. */
export function decodePayload(encoded: string): Buffer {
  const bytes = Buffer.from(encoded, 'base64');
  let payload: Buffer;
  try {
    payload = isCompressedHdr(bytes) ? stripCompressedWrapper(bytes) : brotliDecompressSync(bytes);
  } catch {
    throw new Error('not an encoded HDR histogram (neither brotli nor zlib data)');
  }
  if (payload.length < 8 || (payload.readInt32BE(0) & ~0xf0) !== V2_COOKIE_BASE) throw new Error('not an encoded HDR histogram');
  return payload;
}

/** HdrHistogram's compressed encoding of a V2 payload (for the library's general decoder). */
export function compressedHdrOf(payload: Buffer): string {
  const compressed = deflateSync(payload);
  const header = Buffer.alloc(8);
  header.writeInt32BE(COMPRESSED_COOKIE_BASE | 0x10, 0);
  header.writeInt32BE(compressed.length, 4);
  return Buffer.concat([header, compressed]).toString('base64');
}

function isCompressedHdr(bytes: Buffer): boolean {
  return bytes.length >= 8 && (bytes.readInt32BE(0) & ~0xf0) === COMPRESSED_COOKIE_BASE;
}

function stripCompressedWrapper(bytes: Buffer): Buffer {
  return inflateSync(bytes.subarray(8, 8 + bytes.readInt32BE(4)));
}
