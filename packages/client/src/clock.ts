import { InvalidOptionError } from '@payauth/core';

/**
 * The client's idea of the server's time. It learns the offset from the server's `Date` header (the AWS SDK does the
 * same for SigV4): a response that is not from a cache (no `Age` header) gives `serverTime - localTime` at the
 * moment it arrived, with the header's one-second resolution. The offset is applied only past `thresholdMs` (default
 * 5 s), so ordinary jitter never moves it.
 *
 * @example
 * ```ts
 * const clock = new ServerClock(); clock.observe(response); clock.now()
 * ```
 */
export class ServerClock {
  #offset = 0;
  readonly #thresholdMs: number;
  readonly #local: () => number;

  constructor(options: { thresholdMs?: number; local?: () => number } = {}) {
    this.#thresholdMs = options.thresholdMs ?? 5000;
    if (!(this.#thresholdMs >= 1000))
      throw new InvalidOptionError('thresholdMs', 'at least 1000 (Date has 1 s resolution)');
    this.#local = options.local ?? Date.now;
  }

  /** The server's current time in ms, as far as this client knows. */
  now(): number {
    return this.#local() + this.#offset;
  }

  /** The offset applied now (server minus local), in ms. */
  get offsetMs(): number {
    return this.#offset;
  }

  /**
   * Learns from a response's `Date` header. Returns true when the applied offset changed (a request rejected for its
   * time is then worth one retry).
   */
  observe(response: { headers: Headers; status: number }): boolean {
    if (response.headers.has('age')) return false;
    const date = response.headers.get('date');
    if (date === null) return false;
    const server = Date.parse(date);
    if (Number.isNaN(server)) return false;
    // Date truncates to the second: the server's time is in [server, server + 1000); take the middle.
    const measured = server + 500 - this.#local();
    const next = Math.abs(measured) < this.#thresholdMs ? 0 : measured;
    if (Math.abs(next - this.#offset) < this.#thresholdMs) return false;
    this.#offset = next;
    return true;
  }
}
