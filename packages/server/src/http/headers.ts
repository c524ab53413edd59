/** Marks a header that was sent more than once: no single value can be trusted, so the guards refuse it. */
const REPEATED_HEADER = '\u0000repeated';

/**
 * One header's value: the string when sent once, undefined when absent, and {@link REPEATED_HEADER} (which no parser
 * accepts) when sent more than once, so that an ambiguous request is refused rather than resolved by guessing.
 */
export function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : REPEATED_HEADER) : value;
}

// The names most requests carry, by length. A name sent in any case is matched against these without making a new
// string, and the record then uses the same (internalized) key strings on every request.
const COMMON_NAMES = new Map<number, readonly string[]>();
for (const name of [
  'host',
  'accept',
  'apikey',
  'cookie',
  'origin',
  'referer',
  'connection',
  'user-agent',
  'keep-alive',
  'content-type',
  'authorization',
  'cache-control',
  'content-length',
  'accept-encoding',
  'accept-language',
  'x-forwarded-for',
  'x-request-id',
]) {
  COMMON_NAMES.set(name.length, [...(COMMON_NAMES.get(name.length) ?? []), name]);
}

/** `name` lower-cased: one of the common names when it is one (ASCII letters folded), else `toLowerCase()`. */
function lowerCaseName(name: string): string {
  const candidates = COMMON_NAMES.get(name.length);
  if (candidates !== undefined) {
    for (const known of candidates) {
      let index = 0;
      for (; index < name.length; index++) {
        const code = name.charCodeAt(index);
        if ((code >= 65 && code <= 90 ? code + 32 : code) !== known.charCodeAt(index)) break;
      }
      if (index === name.length) return known;
    }
  }
  return name.toLowerCase();
}

/**
 * Builds the header record of an {@link AuthRequest} from Node's raw header list (name, value, name, value…): names
 * lower-cased, a repeated header kept as an array. Node itself keeps only the first `Authorization`.
 */
export function headersFromRaw(raw: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = lowerCaseName(raw[index]!);
    const value = raw[index + 1]!;
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[name] = [existing, value];
  }
  return headers;
}
