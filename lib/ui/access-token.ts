import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * `fanout ui`'s access token: printed in the URL at start (as Jupyter does), so that only whoever
 * reads that line (the person who started the UI) can use the API. 24 random bytes, URL-safe.
 */
export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares fixed-length digests, so the time taken says nothing about how much of a guess was right. */
export function isAccessToken(given: string | undefined, token: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/**
 * Cookies are shared by every port of a host: the port in the name keeps two UIs on one machine
 * from overwriting each other's token.
 */
export function tokenCookieName(port: number): string {
  return `fanout-ui-${port}`;
}

/**
 * The page holds the token as an HttpOnly cookie (its scripts never see it) that is SameSite=Strict
 * (a request from another site never carries it). A cookie rather than a header because the report
 * links (report.html, report.json) are plain navigations, which cannot carry a header.
 */
export function tokenCookie(name: string, token: string): string {
  return `${name}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The token a request carries: `Authorization: Bearer <token>` (scripts, curl) or the page's cookie. */
export function tokenOfRequest(headers: IncomingHttpHeaders, cookieName: string): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return bearer;
  for (const pair of (headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === cookieName) return pair.slice(separator + 1).trim();
  }
  return undefined;
}
