import { createHash } from 'node:crypto';

/**
 * Reproducible coin flips for injected faults: the n-th roll of a named die under a seed always
 * comes out the same, so a run with `--fault s3-error:0.1` fails the same calls each time it
 * makes them in the same order. Each draw is the first 32 bits of SHA-256(seed, name, n).
 */
export class FaultDice {
  private rolls = 0;

  constructor(
    private readonly seed: number,
    private readonly name: string,
  ) {}

  /** True with probability `p`. */
  roll(p: number): boolean {
    if (p <= 0) return false;
    const digest = createHash('sha256').update(`${this.seed}:${this.name}:${this.rolls++}`).digest();
    return digest.readUInt32BE(0) / 2 ** 32 < p;
  }
}
