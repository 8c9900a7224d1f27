/**
 * The HTTP API's routes, as API Gateway names them (`routeKey`). serverless.yml declares the same
 * routes (a test compares them) and the emulated HTTP API routes with this table.
 */
export const API_ROUTES = [
  { method: 'POST', path: '/runs' },
  { method: 'GET', path: '/runs' },
  { method: 'GET', path: '/runs/{id}' },
  { method: 'POST', path: '/runs/{id}/stop' },
  { method: 'GET', path: '/runs/{id}/report' },
] as const;

export type ApiRoute = (typeof API_ROUTES)[number];
export type RouteKey = `${ApiRoute['method']} ${ApiRoute['path']}`;

export function routeKeyOf(route: ApiRoute): RouteKey {
  return `${route.method} ${route.path}`;
}

export interface RouteMatch {
  routeKey: RouteKey;
  pathParameters: Record<string, string>;
}

/** Which route a request takes, as API Gateway decides: the method and every path segment must match. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  const segments = path.split('/').filter((segment) => segment !== '');
  for (const route of API_ROUTES) {
    if (route.method !== method.toUpperCase()) continue;
    const pattern = route.path.split('/').filter((segment) => segment !== '');
    if (pattern.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const matches = pattern.every((part, index) => {
      const segment = segments[index]!;
      const parameter = /^\{(\w+)\}$/.exec(part);
      if (parameter) {
        pathParameters[parameter[1]!] = decodeURIComponent(segment);
        return true;
      }
      return part === segment;
    });
    if (matches) return { routeKey: routeKeyOf(route), pathParameters };
  }
  return undefined;
}
