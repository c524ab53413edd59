import { createPrivateKey, createPublicKey, generateKeyPairSync, hash, type KeyObject } from 'node:crypto';
import {
  type AccessTokenAlgorithm,
  type AccessTokenClaims,
  accessTokenAlgorithm,
  accessTokenAudience,
  RejectionError,
  type SigningKey,
  signAccessToken,
  verifyAccessToken,
} from '@payauth/core';
import type { Envelope } from '../secrets/envelope.ts';
import type { CredentialStore } from '../store/types.ts';

/**
 * How many trailing characters of a token key its cache entry: a tail of its signature (32 base64url characters, 192
 * bits). Hashing a whole token (~450 characters, a new string on every request) cost ~0.5 µs per lookup, a third of
 * the Bearer guard; the tail is hashed in a fraction of that, and the whole token is then compared, which is fast.
 */
const TOKEN_KEY_LENGTH = 32;

/** Options of {@link TokenIssuer.open}. */
export interface IssuerOptions {
  readonly store: CredentialStore;
  readonly envelope: Envelope;
  readonly issuer: string;
  readonly now?: () => number;
  readonly maxCached?: number;
  /** The algorithm of new signing keys: EdDSA (Ed25519, default) or RS256. */
  readonly algorithm?: AccessTokenAlgorithm;
}

/**
 * Issues and verifies the server's access tokens: JWTs (EdDSA by default, RS256 on request) signed with the server's own key, kept
 * envelope-encrypted in the store (so every instance signs with the same key) and published in the JWKS.
 * Verification runs on node:crypto with prepared KeyObjects, and a bounded cache of already verified tokens makes a
 * repeated token cost a map lookup plus the expiry check.
 *
 * @example
 * ```ts
 * const issuer = await TokenIssuer.open({ store, envelope, issuer: 'http://127.0.0.1:8080' })
 * const { token } = issuer.issue({ sub: 'cred_1', client_id: 'your_api_key', partner: 'p1', mechanism: 'api-key' }, 3600)
 * ```
 */
export class TokenIssuer {
  readonly #store: CredentialStore;
  readonly #envelope: Envelope;
  readonly issuer: string;
  #signing!: SigningKey;
  #verifying = new Map<string, KeyObject>();
  /** Verified tokens, keyed by their signature's tail (see {@link TOKEN_KEY_LENGTH}), each with its whole token. */
  readonly #verified = new Map<string, { readonly token: string; readonly claims: AccessTokenClaims }>();
  readonly #maxCached: number;
  readonly #now: () => number;
  readonly #algorithm: AccessTokenAlgorithm;
  #lastReload = 0;
  #timer: NodeJS.Timeout | undefined;

  private constructor(options: IssuerOptions) {
    this.#store = options.store;
    this.#envelope = options.envelope;
    this.issuer = options.issuer;
    this.#now = options.now ?? Date.now;
    this.#maxCached = options.maxCached ?? 10_000;
    this.#algorithm = options.algorithm ?? 'EdDSA';
  }

  /** Loads the signing keys from the store, creating the first one when there is none. */
  static async open(options: IssuerOptions): Promise<TokenIssuer> {
    const issuer = new TokenIssuer(options);
    await issuer.reload();
    if (!issuer.#signing) await issuer.rotate();
    return issuer;
  }

  /**
   * Re-reads the keys every `intervalMs` (default 10 s), so that a rotation made elsewhere (`payauth keys rotate`,
   * another instance) moves every instance to the new signing key; a token signed with an unknown key triggers a
   * re-read at once anyway.
   */
  watch(intervalMs = 10_000): void {
    clearInterval(this.#timer);
    this.#timer = setInterval(() => void this.reload().catch(() => {}), intervalMs);
    this.#timer.unref();
  }

  /** Stops {@link watch}. */
  stop(): void {
    clearInterval(this.#timer);
  }

  /** The kid of the key that signs new tokens. */
  get signingKid(): string {
    return this.#signing.kid;
  }

  /** Re-reads the keys from the store (another instance may have rotated). */
  async reload(): Promise<void> {
    this.#lastReload = this.#now();
    const records = await this.#store.listSigningKeys();
    const verifying = new Map<string, KeyObject>();
    let signing: SigningKey | undefined;
    for (const record of records) {
      const privateKey = createPrivateKey(
        this.#envelope.open(record.privateKeyCiphertext, `signing-key/${record.kid}`),
      );
      verifying.set(record.kid, createPublicKey(privateKey));
      if (record.retiredAt === undefined) signing = { kid: record.kid, privateKey };
    }
    this.#verifying = verifying;
    if (signing) this.#signing = signing;
  }

  /** Creates a new signing key and retires the current one (it keeps verifying the tokens it signed). */
  async rotate(): Promise<string> {
    const { privateKey } =
      this.#algorithm === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const kid = hash(
      'sha256',
      createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
      'base64url',
    ).slice(0, 16);
    const previous = this.#signing?.kid;
    await this.#store.putSigningKey({
      kid,
      privateKeyCiphertext: this.#envelope.seal(pem, `signing-key/${kid}`),
      createdAt: this.#now(),
    });
    if (previous) await this.#store.retireSigningKey(previous, this.#now());
    await this.reload();
    return kid;
  }

  /** Issues an RFC 9068 token; `iss` is this issuer and `aud` the mechanism's ({@link accessTokenAudience}). */
  issue(
    claims: Omit<AccessTokenClaims, 'iat' | 'exp' | 'jti' | 'iss' | 'aud'>,
    lifetimeSeconds: number,
  ): { token: string; claims: AccessTokenClaims } {
    return signAccessToken(
      { ...claims, iss: this.issuer, aud: accessTokenAudience(this.issuer, claims.mechanism) },
      lifetimeSeconds,
      this.#signing,
      this.#now(),
    );
  }

  /**
   * Verifies a token; throws `ERR_TOKEN_INVALID` / `ERR_TOKEN_EXPIRED`. Synchronous, except when an unknown `kid`
   * makes it re-read the keys from the store (another instance may have rotated).
   */
  verify(token: string): AccessTokenClaims | Promise<AccessTokenClaims> {
    const now = this.#now();
    const key = token.slice(-TOKEN_KEY_LENGTH);
    const entry = this.#verified.get(key);
    // A hit needs the whole token to be the one verified: the same tail under another header or payload is a miss.
    if (entry !== undefined && entry.token === token) {
      const cached = entry.claims;
      if (cached.exp * 1000 > now) return cached;
      this.#verified.delete(key);
      throw new RejectionError('ERR_TOKEN_EXPIRED', 'the token has expired', { sub: cached.sub });
    }
    try {
      return this.#remember(
        token,
        verifyAccessToken(token, { keys: this.#verifying, issuer: this.issuer, now }),
      );
    } catch (error) {
      // An unknown kid may come from a key another instance just created: re-read the keys, at most every 5 s.
      if (
        error instanceof RejectionError &&
        error.message.startsWith('unknown signing key') &&
        now - this.#lastReload > 5000
      ) {
        return this.reload().then(() =>
          this.#remember(
            token,
            verifyAccessToken(token, { keys: this.#verifying, issuer: this.issuer, now }),
          ),
        );
      }
      throw error;
    }
  }

  #remember(token: string, claims: AccessTokenClaims): AccessTokenClaims {
    if (this.#verified.size >= this.#maxCached) this.#verified.clear();
    this.#verified.set(token.slice(-TOKEN_KEY_LENGTH), { token, claims });
    return claims;
  }

  /** The JWKS document: every key that may still verify a live token. */
  jwks(): { keys: Array<Record<string, string>> } {
    return {
      keys: [...this.#verifying.entries()].map(([kid, publicKey]) => {
        const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
        return { ...jwk, kid, alg: accessTokenAlgorithm(publicKey) ?? 'RS256', use: 'sig' };
      }),
    };
  }
}
