// Tells "unknown route" (404) from "known route, wrong method" (405 with Allow) using the app's own routes.

export interface RouteTable {
  /** Methods allowed on `path`, or undefined when no route matches it. */
  allowed(path: string): string[] | undefined;
}

export function buildRouteTable(app: { routes: Array<{ method: string; path: string }> }): RouteTable {
  const byPattern = new Map<string, Set<string>>();
  for (const route of app.routes) {
    if (route.method === 'ALL' || route.path.includes('*')) continue;
    const methods = byPattern.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    if (route.method === 'GET') methods.add('HEAD');
    byPattern.set(route.path, methods);
  }
  const matchers = [...byPattern].map(([pattern, methods]) => ({
    regex: new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[^/]+/g, '[^/]+')}$`),
    methods: [...methods].sort(),
  }));
  return {
    allowed(path) {
      const methods = matchers.filter((m) => m.regex.test(path)).flatMap((m) => m.methods);
      return methods.length > 0 ? [...new Set(methods)].sort() : undefined;
    },
  };
}
