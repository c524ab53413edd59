import { type KeyObject, X509Certificate } from 'node:crypto';
import {
  createHmacKey,
  isValidPublicId,
  type Mechanism,
  type RegisteredCertificate,
  registerCertificate,
} from '@payauth/core';
import type { Envelope } from '../secrets/envelope.ts';
import type { SharedState } from '../state/types.ts';
import type { CredentialRecord, CredentialStore, SecretRecord } from '../store/types.ts';

/** A validity window in ms. */
interface Window {
  readonly notBefore: number;
  readonly notAfter: number;
}

/** A credential ready for verification: secrets decrypted into key objects once, with their validity windows. */
export interface ResolvedCredential {
  readonly record: CredentialRecord;
  /** hmac: one KeyObject per live secret (two during a rotation). */
  readonly hmacKeys: ReadonlyArray<Window & { key: KeyObject }>;
  /** app-token: the live secrets (SHA-512 has no keyed form to precompute). */
  readonly appSecrets: ReadonlyArray<Window & { secret: string }>;
  /** api-key: the live secret hashes. */
  readonly secretHashes: ReadonlyArray<Window & { hash: string }>;
  /** private-key-jwt: the live certificates. */
  readonly certificates: readonly RegisteredCertificate[];
  /** private-key-jwt: hashes of the apikey header value. */
  readonly apikeyHashes: ReadonlyArray<Window & { hash: string }>;
}

/** True when a window contains `now`. */
export function isLive(window: Window, now: number): boolean {
  return window.notBefore <= now && now < window.notAfter;
}

/**
 * True when `check` accepts at least one entry live at `now` (two during a rotation): a check refuses by throwing,
 * as the core's verify functions do.
 */
export function acceptedByAnyLive<T extends Window>(
  entries: readonly T[],
  now: number,
  check: (entry: T) => void,
): boolean {
  for (const entry of entries) {
    if (!isLive(entry, now)) continue;
    try {
      check(entry);
      return true;
    } catch {}
  }
  return false;
}

/**
 * Resolves credentials for the guards and keeps them in process memory, decrypted once. Freshness: it polls the
 * store's change counter (default every 500 ms) and listens to the shared state's change notices, and drops the cache
 * on either; so a revocation or rotation made by another process is seen within one poll interval.
 *
 * @example
 * ```ts
 * const resolver = new CredentialResolver({ store, envelope, state }); resolver.start()
 * const credential = await resolver.resolve('hmac', 'k1rXpphkRG!2-Fox')
 * ```
 */
export class CredentialResolver {
  readonly #store: CredentialStore;
  readonly #envelope: Envelope;
  readonly #state: SharedState | undefined;
  /**
   * Resolved credentials (null: known to be unknown), one map per mechanism keyed by public id and one keyed by internal
   * id: the lookup hashes the id alone, not a key string built per request.
   */
  readonly #cache: Readonly<Record<Mechanism | 'id', Map<string, ResolvedCredential | null>>> = Object.assign(
    Object.create(null),
    {
      hmac: new Map(),
      'app-token': new Map(),
      'private-key-jwt': new Map(),
      'api-key': new Map(),
      id: new Map(),
    },
  );
  readonly #pending = new Map<string, Promise<ResolvedCredential | undefined>>();
  readonly #pollIntervalMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  #counter = -1;
  /** Grows on every clear: a load that started before a clear must not refill the cache with stale data. */
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  /** Set while the store cannot be reached: the last poll's error. */
  lastPollError: Error | undefined;
  #lastPollAt = 0;
  readonly #maxStaleMs: number;

  constructor(options: {
    store: CredentialStore;
    envelope: Envelope;
    state?: SharedState;
    pollIntervalMs?: number;
    maxEntries?: number;
    /** How long cached credentials are trusted without a successful poll (default 1 s, the revocation bound); then the store is needed. */
    maxStaleMs?: number;
    now?: () => number;
  }) {
    this.#maxStaleMs = options.maxStaleMs ?? 1000;
    this.#store = options.store;
    this.#envelope = options.envelope;
    this.#state = options.state;
    this.#pollIntervalMs = options.pollIntervalMs ?? 500;
    this.#maxEntries = options.maxEntries ?? 50_000;
    this.#now = options.now ?? Date.now;
  }

  /** Starts watching for changes. */
  async start(): Promise<void> {
    this.#counter = await this.#store.changeCounter();
    this.#lastPollAt = Date.now();
    this.#timer = setInterval(() => void this.poll(), this.#pollIntervalMs);
    this.#timer.unref();
    this.#unsubscribe = this.#state?.onChange(() => this.clear());
  }

  /** Checks the change counter once; clears the cache if it moved. */
  async poll(): Promise<void> {
    try {
      const counter = await this.#store.changeCounter();
      this.lastPollError = undefined;
      this.#lastPollAt = Date.now();
      if (counter !== this.#counter) {
        this.#counter = counter;
        this.clear();
      }
    } catch (error) {
      this.lastPollError = error as Error;
    }
  }

  /** Drops every cached credential. */
  clear(): void {
    this.#generation++;
    for (const map of Object.values(this.#cache)) map.clear();
    this.#pending.clear();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#unsubscribe?.();
  }

  /**
   * The cached answer alone, never the store: the credential, null when it is known to be unknown, undefined when the
   * cache cannot answer (not cached, or not fresh). Positive and negative entries are bounded by freshness: past
   * maxStaleMs without a successful poll (the store is down), a cached credential could have been revoked meanwhile,
   * so the store must answer (and fails closed).
   */
  cached(mechanism: Mechanism, publicId: string): ResolvedCredential | null | undefined {
    const cached = this.#cache[mechanism]?.get(publicId);
    return cached !== undefined && this.#fresh() ? cached : undefined;
  }

  /** The credential of `mechanism` with this public id, from the cache or the store; undefined when unknown. */
  resolve(
    mechanism: Mechanism,
    publicId: string,
  ): Promise<ResolvedCredential | undefined> | ResolvedCredential | undefined {
    // One id grammar before any store sees an id (PostgreSQL refuses NUL): an invalid id is unknown.
    if (!isValidPublicId(publicId)) return undefined;
    const cache = this.#cache[mechanism] as Map<string, ResolvedCredential | null> | undefined;
    if (cache === undefined) return undefined;
    const cached = cache.get(publicId);
    if (cached !== undefined && this.#fresh()) return cached ?? undefined;
    const key = `${mechanism}\u0000${publicId}`;
    let pending = this.#pending.get(key);
    if (!pending) {
      const generation = this.#generation;
      pending = this.#load(mechanism, publicId).then((value) => {
        if (generation === this.#generation) {
          this.#pending.delete(key);
          this.#bound();
          cache.set(publicId, value ?? null);
        }
        return value;
      });
      pending.catch(() => {
        if (generation === this.#generation) this.#pending.delete(key);
      });
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #load(mechanism: Mechanism, publicId: string): Promise<ResolvedCredential | undefined> {
    const record = await this.#store.findCredential(mechanism, publicId);
    if (!record) return undefined;
    // Secrets whose validity already ended are not loaded; those that end later are filtered at use.
    const secrets = await this.#store.listSecrets(record.id, this.#now());
    const window = (s: SecretRecord): Window => ({
      notBefore: s.notBefore,
      notAfter: s.notAfter ?? Number.POSITIVE_INFINITY,
    });
    const open = (s: SecretRecord): string => this.#envelope.open(s.value, `${record.id}/${s.id}`);
    return {
      record,
      hmacKeys: secrets
        .filter((s) => s.kind === 'hmac-secret')
        // A KeyObject wherever node:crypto exists (core's createHmacKey: Node, Bun, Deno, workerd with nodejs_compat).
        .map((s) => ({ ...window(s), key: createHmacKey(open(s)) as KeyObject })),
      appSecrets: secrets
        .filter((s) => s.kind === 'app-token-secret')
        .map((s) => ({ ...window(s), secret: open(s) })),
      secretHashes: secrets
        .filter((s) => s.kind === 'api-key-secret-hash')
        .map((s) => ({ ...window(s), hash: s.value })),
      certificates: secrets
        .filter((s) => s.kind === 'private-key-jwt-certificate')
        .map((s) => registerCertificate(new X509Certificate(s.value), window(s))),
      apikeyHashes: secrets
        .filter((s) => s.kind === 'private-key-jwt-apikey-hash')
        .map((s) => ({ ...window(s), hash: s.value })),
    };
  }

  /** Resolves by internal id (bearer tokens carry it as `sub`); synchronous when cached. */
  resolveById(id: string): ResolvedCredential | undefined | Promise<ResolvedCredential | undefined> {
    const cached = this.#cache.id.get(id);
    if (cached !== undefined && this.#fresh()) return cached ?? undefined;
    return this.#loadById(id);
  }

  async #loadById(id: string): Promise<ResolvedCredential | undefined> {
    const generation = this.#generation;
    const record = await this.#store.getCredential(id);
    const resolved = record ? await this.resolve(record.mechanism, record.publicId) : undefined;
    if (generation === this.#generation) {
      this.#bound();
      this.#cache.id.set(id, resolved ?? null);
    }
    return resolved;
  }

  /** True while the cache may answer: a poll succeeded within `maxStaleMs`. */
  #fresh(): boolean {
    return Date.now() - this.#lastPollAt <= this.#maxStaleMs;
  }

  /** Keeps the cache within `maxEntries` (all maps together): past it, it starts again. */
  #bound(): void {
    let size = 0;
    for (const map of Object.values(this.#cache)) size += map.size;
    if (size >= this.#maxEntries) for (const map of Object.values(this.#cache)) map.clear();
  }
}
