import { platform } from '#platform';

/**
 * The DER bytes of the first PEM block labelled `label` in `text` (RFC 7468: `-----BEGIN label-----`, base64,
 * `-----END label-----`), or `undefined` when there is none or its body is not base64. Web runtimes have no PEM
 * reader; node:crypto's accepts PEM itself.
 *
 * @example
 * ```ts
 * decodePem(readFileSync('cert.pem', 'utf8'), 'CERTIFICATE') // Uint8Array of the DER certificate
 * ```
 */
export function decodePem(text: string, label: string): Uint8Array | undefined {
  const begin = `-----BEGIN ${label}-----`;
  const start = text.indexOf(begin);
  if (start === -1) return undefined;
  const end = text.indexOf(`-----END ${label}-----`, start + begin.length);
  if (end === -1) return undefined;
  const body = text.slice(start + begin.length, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) return undefined;
  return platform.decodeBase64url(body.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
}

/**
 * The label of the first PEM block in `text` (`PRIVATE KEY`, `CERTIFICATE`…), or `undefined`.
 *
 * @example
 * ```ts
 * pemLabel('-----BEGIN RSA PRIVATE KEY-----\n…') // 'RSA PRIVATE KEY'
 * ```
 */
export function pemLabel(text: string): string | undefined {
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
}
