/**
 * Matching a method and a path against route patterns, for hosts that route by themselves (an
 * Appwrite function gets every request at one entry and routes by `req.path` and `req.method`).
 * The standalone server hands the same patterns to Hono's router instead.
 */
import type { HttpRoute } from './http-exchange.ts';

/** A route that matched, with the parameters its pattern captured (URL-decoded). */
export interface RouteMatch {
  readonly route: HttpRoute;
  readonly params: Readonly<Record<string, string>>;
}

const segmentsOf = (path: string): string[] => path.split('/').filter((s) => s !== '');

const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};

/** The parameters of `path` under `pattern`, or undefined when it does not match. */
export const matchPattern = (
  pattern: string,
  path: string,
): Readonly<Record<string, string>> | undefined => {
  const expected = segmentsOf(pattern);
  const actual = segmentsOf(path);
  if (expected.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of expected.entries()) {
    const segment = actual[i] ?? '';
    if (part.startsWith(':')) {
      const value = decodeSegment(segment);
      if (value === undefined || value === '') return undefined;
      params[part.slice(1)] = value;
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
};

/**
 * The route for a request: the first whose method and pattern match. `pathKnown` is true when
 * the path matched some route, whatever its method.
 */
export const matchRoute = (
  routes: readonly HttpRoute[],
  method: string,
  path: string,
): { readonly match: RouteMatch | undefined; readonly pathKnown: boolean } => {
  let pathKnown = false;
  for (const route of routes) {
    const params = matchPattern(route.pattern, path);
    if (params === undefined) continue;
    pathKnown = true;
    if (route.method === method.toUpperCase()) return { match: { route, params }, pathKnown };
  }
  return { match: undefined, pathKnown };
};
