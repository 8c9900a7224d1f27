import type { Histogram } from 'hdr-histogram-js';
import { jsInternalsOf, V2_COOKIE_BASE, V2_HEADER_BYTES } from './js-histogram-internals.js';

/**
 * A histogram's uncompressed V2 payload, written straight from its counts: the same bytes
 * hdr-histogram-js puts inside its compressed encoding (test/histogram/histogram-encoding.test.ts
 * compares them), without the library's deflate, base64 and the inflate back that getting them from
 * it costs. About a millisecond less per histogram, which matters where a worker encodes while its
 * load runs (a live interval every second, a step that ends inside a slice). Undefined for a
 * histogram that is not hdr-histogram-js's JS one.
 */
export function writeV2Payload(histogram: Histogram): Buffer | undefined {
  const source = jsInternalsOf(histogram);
  if (!source) return undefined;
  // As the library: the counts up to the highest recorded value's bucket.
  const countsLimit = source.countsArrayIndex(source.maxValue) + 1;
  let out = scratchFor(V2_HEADER_BYTES + countsLimit * MAX_VARINT_BYTES);
  out.writeInt32BE(V2_COOKIE_BASE | 0x10, 0);
  // The normalizing index offset: hdr-histogram-js writes 1.
  out.writeInt32BE(1, 8);
  out.writeInt32BE(source.numberOfSignificantValueDigits, 12);
  writeInt64(out, 16, source.lowestDiscernibleValue);
  writeInt64(out, 24, source.highestTrackableValue);
  // The integer-to-double conversion ratio, written by the library as the integer 1.
  writeInt64(out, 32, 1);
  let position = V2_HEADER_BYTES;
  let index = 0;
  while (index < countsLimit) {
    const count = source.getCountAtIndex(index++);
    if (count < 0) throw new Error(`cannot encode a histogram with a negative count at index ${index - 1}`);
    if (count === 0) {
      let zeros = 1;
      while (index < countsLimit && source.getCountAtIndex(index) === 0) {
        zeros++;
        index++;
      }
      // A run of empty buckets is one negative number; a single empty bucket is a 0.
      if (zeros > 1) {
        position = writeZigZag(out, position, -zeros);
        continue;
      }
    }
    position = writeZigZag(out, position, count);
  }
  out.writeInt32BE(position - V2_HEADER_BYTES, 4);
  return Buffer.from(out.subarray(0, position));
}

/** ZigZag LEB128 as HdrHistogram writes it: up to 9 bytes, the ninth carrying 8 bits. */
const MAX_VARINT_BYTES = 9;

let scratch = Buffer.alloc(64 * 1024);

function scratchFor(bytes: number): Buffer {
  if (scratch.length < bytes) scratch = Buffer.alloc(Math.max(bytes, scratch.length * 2));
  return scratch;
}

function writeInt64(out: Buffer, offset: number, value: number): void {
  out.writeUInt32BE(Math.floor(value / 2 ** 32) >>> 0, offset);
  out.writeUInt32BE(value % 2 ** 32 >>> 0, offset + 4);
}

function writeZigZag(out: Buffer, position: number, value: number): number {
  let rest = value >= 0 ? value * 2 : -value * 2 - 1;
  for (let written = 1; written < MAX_VARINT_BYTES && rest >= 128; written++) {
    out[position++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[position++] = rest;
  return position;
}
