import { scryptSync } from 'node:crypto';

/** What a secret is shown as: this mark and a short fingerprint, `••••3f9a2c`. */
export const REDACTION_MARK = '••••';
export const FINGERPRINT_HEX = 6;

/**
 * The same secret gets the same fingerprint in every run and on every machine, so that two runs
 * can be told apart by the credential they used (a rotated token shows as a new fingerprint)
 * without showing it. A fingerprint is a check a guess can be tested against, so it is short (24
 * bits: a dictionary of millions matches dozens of its words, it confirms none of them on its own)
 * and slow to compute (scrypt, ~20 ms): testing a dictionary of weak passwords takes days, not
 * seconds. A random token cannot be guessed from it at all.
 */
const SALT = 'fanout secret fingerprint v1';
const COST = { N: 1 << 13, r: 8, p: 1 } as const;

const computed = new Map<string, string>();

/** Hex digits of the value's fingerprint, as many as asked (up to 32). */
export function fingerprintOf(value: string, hexDigits = FINGERPRINT_HEX): string {
  let full = computed.get(value);
  if (full === undefined) {
    full = scryptSync(value, SALT, 16, COST).toString('hex');
    // Kept per process: a run is planned more than once (shown, then started); the map holds only
    // secrets this process already holds in clear.
    if (computed.size > 1000) computed.clear();
    computed.set(value, full);
  }
  return full.slice(0, hexDigits);
}
