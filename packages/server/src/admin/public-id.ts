/**
 * The public id of an attempt as the admin API shows it. An id that matched a credential is shown whole; one that
 * matched none is cut to its first 4 characters and `…`, since an unknown "public id" is often a secret pasted in the
 * wrong field (API-money's FAQ: key and secret swapped), and the audit trail and stream must not spread it. The
 * server already records such ids as keyed fingerprints (`fp_…`, shown whole); the cut protects rows written before.
 *
 * @example
 * ```ts
 * showPublicId('E0!oYfVpA6-noiqGr', undefined) // 'E0!o…'
 * ```
 */
export function showPublicId(
  publicId: string | undefined,
  credentialId: string | undefined,
): string | undefined {
  if (publicId === undefined || credentialId !== undefined || /^fp_[\w-]{12}$/.test(publicId))
    return publicId;
  return publicId.length <= 4 ? publicId : `${publicId.slice(0, 4)}…`;
}
