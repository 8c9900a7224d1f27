import { scrubCredentialPatterns } from '../secrets/credential-patterns.js';
import type { RequestSpec } from './scenario-schema.js';

/**
 * What a target URL means for the requests, as curl, Artillery and Locust's `host` read it:
 * with no scenario requests, GET exactly that URL (path and query); with requests, the URL's path is
 * a base their paths join (`https://h/api` + `/users` → `/api/users`); `user:pass@` is sent as
 * Basic authentication and never kept in the target itself.
 */
export interface ResolvedTarget {
  /** The target without its credentials (what plans, reports and the console show). */
  target: string;
  requests: RequestSpec[];
  /** No scenario requests: the one request is the target URL itself. */
  requestsFromTarget: boolean;
}

export const DEFAULT_REQUEST: RequestSpec = { method: 'GET', path: '/', headers: {}, weight: 1 };

/** The path request paths join: the target's path without its trailing slash. */
export function basePathOf(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function basicAuthorization(url: URL): string {
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

export function resolveTarget(target: string, requests: RequestSpec[] | undefined, problem: (field: string, message: string) => void): ResolvedTarget {
  if (target === 'demo') return { target, requests: requests ?? [DEFAULT_REQUEST], requestsFromTarget: requests === undefined };
  const url = new URL(target);
  const authorization = url.username || url.password ? basicAuthorization(url) : undefined;
  url.username = '';
  url.password = '';
  // Shown as the user wrote it, unless that carried credentials.
  const shown = authorization ? url.href : target;
  const withAuth = (request: RequestSpec): RequestSpec =>
    authorization && !hasHeader(request.headers, 'authorization') ? { ...request, headers: { ...request.headers, authorization } } : request;

  if (requests === undefined) {
    return { target: shown, requests: [withAuth({ ...DEFAULT_REQUEST, path: `${url.pathname}${url.search}` })], requestsFromTarget: true };
  }
  if (url.search !== '') {
    problem('target', `a query string (${scrubCredentialPatterns(url.search)}) in the target applies only when there are no requests; put it in each request's path`);
  }
  const base = basePathOf(url);
  return { target: shown, requests: requests.map((request) => withAuth({ ...request, path: `${base}${request.path}` })), requestsFromTarget: false };
}
