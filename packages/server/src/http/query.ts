/** The query of a URL as a record: a repeated parameter becomes an array. */
export function queryFromSearch(search: URLSearchParams | string): Record<string, string | string[]> {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of params) {
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[name] = [existing, value];
  }
  return query;
}

/** Splits a request target (`/path?query`) into its path and its query record. */
export function splitTarget(target: string): { path: string; query: Record<string, string | string[]> } {
  const mark = target.indexOf('?');
  return mark === -1
    ? { path: target, query: {} }
    : { path: target.slice(0, mark), query: queryFromSearch(target.slice(mark + 1)) };
}

/**
 * The request target (`/path?query`) of an absolute URL, by slicing (no `URL` parse).
 *
 * @example
 * ```ts
 * targetOf('http://127.0.0.1:8080/api/accounts?currency=EUR') // '/api/accounts?currency=EUR'
 * ```
 */
export function targetOf(url: string): string {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash === -1 ? '/' : url.slice(slash);
}
