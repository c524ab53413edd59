import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hash,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { KeyMaterialError } from '@payauth/core';

/** The environment variable that holds the master key (base64 or hex of 32 bytes). */
export const MASTER_KEY_VARIABLE = 'PAYAUTH_MASTER_KEY';

const FORMAT = 'v1';

/**
 * Envelope encryption of the secrets that must stay recoverable (`hmac`, `app-token`): each secret is encrypted with
 * its own random data key (AES-256-GCM), and the data key is wrapped by the master key (AES-256-GCM). The master
 * key's id is stored with each ciphertext, and associated data binds the ciphertext to its credential, so a value
 * copied onto another credential does not decrypt.
 *
 * @example
 * ```ts
 * const envelope = new Envelope(masterKey)
 * const stored = envelope.seal('secret', 'cred_1/sec_1'); envelope.open(stored, 'cred_1/sec_1') // 'secret'
 * ```
 */
export class Envelope {
  readonly #master: KeyObject;
  /** First 16 hex digits of SHA-256 of the master key: names it without revealing it. */
  readonly keyId: string;

  /** @param masterKey - 32 random bytes */
  constructor(masterKey: Uint8Array) {
    if (masterKey.length !== 32) throw new KeyMaterialError('the master key must be 32 bytes');
    this.#master = createSecretKey(Buffer.from(masterKey));
    this.keyId = hash('sha256', Buffer.from(masterKey), 'hex').slice(0, 16);
  }

  /** Encrypts `plaintext`, bound to `associatedData` (e.g. the credential and secret ids). */
  seal(plaintext: string, associatedData: string): string {
    const dataKey = randomBytes(32);
    const wrapped = encrypt(this.#master, dataKey, `${this.keyId}|${associatedData}`);
    const sealed = encrypt(createSecretKey(dataKey), Buffer.from(plaintext, 'utf8'), associatedData);
    dataKey.fill(0);
    return [FORMAT, this.keyId, wrapped, sealed].join('.');
  }

  /** Decrypts a value made by {@link seal} with the same associated data; throws `ERR_KEY_MATERIAL` otherwise. */
  open(stored: string, associatedData: string): string {
    const [format, keyId, wrapped, sealed] = stored.split('.');
    if (format !== FORMAT || wrapped === undefined || sealed === undefined) {
      throw new KeyMaterialError('not a payauth envelope');
    }
    if (keyId !== this.keyId) {
      throw new KeyMaterialError(
        `sealed under master key ${keyId}, but the loaded master key is ${this.keyId}`,
      );
    }
    try {
      const dataKey = decrypt(this.#master, wrapped, `${keyId}|${associatedData}`);
      const plaintext = decrypt(createSecretKey(dataKey), sealed, associatedData).toString('utf8');
      dataKey.fill(0);
      return plaintext;
    } catch {
      throw new KeyMaterialError('the envelope does not decrypt with this master key and associated data');
    }
  }

  /** A key derived for one purpose (HKDF-SHA256), e.g. the pepper of api-key secret hashes. */
  deriveKey(purpose: string): KeyObject {
    return createSecretKey(
      Buffer.from(hkdfSync('sha256', this.#master, Buffer.alloc(0), `payauth ${purpose}`, 32)),
    );
  }
}

function encrypt(key: KeyObject, plaintext: Buffer, associatedData: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function decrypt(key: KeyObject, text: string, associatedData: string): Buffer {
  const bytes = Buffer.from(text, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
}

/**
 * Reads a master key given as 64 hex digits or as base64 of 32 bytes (`openssl rand -hex 32` makes one).
 *
 * @example
 * ```ts
 * const key = parseMasterKey(process.env.PAYAUTH_MASTER_KEY ?? '')
 * ```
 */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32)
    throw new KeyMaterialError(
      `${MASTER_KEY_VARIABLE} must be 32 bytes in hex or base64 (make one with: openssl rand -hex 32)`,
    );
  return bytes;
}

/**
 * Finds the master key: `PAYAUTH_MASTER_KEY` first; else a key file beside the store (`<store>.master-key`, created
 * with mode 0600 on first use); for a `:memory:` or remote store without the variable, a random key for this process.
 *
 * @example
 * ```ts
 * const envelope = new Envelope(loadMasterKey({ keyFile: './payauth.db.master-key' }))
 * ```
 */
export function loadMasterKey(options: { keyFile?: string; environment?: NodeJS.ProcessEnv }): Buffer {
  const fromEnvironment = (options.environment ?? process.env)[MASTER_KEY_VARIABLE];
  if (fromEnvironment) return parseMasterKey(fromEnvironment);
  if (options.keyFile === undefined) return randomBytes(32);
  if (existsSync(options.keyFile)) return parseMasterKey(readFileSync(options.keyFile, 'utf8'));
  const key = randomBytes(32);
  // 'wx' fails if another process created it meanwhile: then read theirs, so both use the same key.
  try {
    writeFileSync(options.keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(options.keyFile, 0o600);
    return key;
  } catch {
    return parseMasterKey(readFileSync(options.keyFile, 'utf8'));
  }
}
