import { isIP, isIPv4 } from 'node:net';

/**
 * The hosts a stack may load (its `allowedTargets` param): `api.example.com` exactly,
 * `*.internal.example.com` (any name under it), `10.0.*` (IPv4 addresses with that prefix). Names
 * are matched as the run gives them, before DNS: a name pattern says which names, not which
 * addresses they resolve to.
 */
export interface TargetPattern {
  text: string;
  matches(host: string): boolean;
}

const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

function patternOf(text: string): TargetPattern {
  const pattern = text.trim().toLowerCase();
  // An address pattern matches addresses only: `10.0.*` must not admit the name `10.0.evil.example`.
  if (/^[\d.*]+$/.test(pattern) && pattern.includes('.')) {
    const octets = new RegExp(`^${pattern.split('*').map(escape).join('\\d{1,3}(?:\\.\\d{1,3})*')}$`);
    return { text, matches: (host) => isIPv4(host) && octets.test(host) };
  }
  const names = new RegExp(`^${pattern.split('*').map(escape).join('[a-z0-9.-]+')}$`);
  return { text, matches: (host) => !isIPv4(host) && names.test(host) };
}

/** `a, *.b.com , 10.0.*` → patterns; empty: any target. */
export function parseTargetPatterns(text: string): TargetPattern[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(patternOf);
}

/** The host of a URL as patterns see it: lower case, IPv6 without brackets. */
export function hostOf(url: string): string {
  return new URL(url).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

export function isAllowedTarget(url: string, patterns: readonly TargetPattern[]): boolean {
  if (patterns.length === 0) return true;
  const host = hostOf(url);
  // IPv6 addresses only as written in full: a prefix pattern for them is not offered.
  if (isIP(host) === 6) return patterns.some((pattern) => pattern.text.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1') === host);
  return patterns.some((pattern) => pattern.matches(host));
}
