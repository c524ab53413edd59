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
