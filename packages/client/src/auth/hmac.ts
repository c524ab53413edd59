import {
  assertString,
  createHmacKey,
  formatHmacHeader,
  HMAC_VERSION,
  InvalidOptionError,
  isValidAccessKey,
  redactValues,
} from '@payauth/core';
import { describeAs } from '../errors.ts';
import type { AuthStrategy, BoundStrategy, StrategyContext } from './types.ts';

/** Options of {@link hmac}. */
export interface HmacOptions {
  readonly accessKey: string;
  readonly secretKey: string;
  /** Default `1`, the only version the document defines. */
  readonly version?: string;
}

/**
 * API-money's `hmac` strategy: every request gets `Authorization: AUTH accessKey:timestampMs:version:sign`, with a
 * timestamp from the server-corrected clock, strictly increasing per access key (two requests never carry the same
 * header, even within one millisecond). The secret becomes a KeyObject once, here.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl, auth: hmac({ accessKey: 'k1rXpphkRG!2-Fox', secretKey: process.env.SECRET! }) })
 * ```
 */
export function hmac(options: HmacOptions): AuthStrategy {
  if (typeof options?.accessKey !== 'string' || !isValidAccessKey(options.accessKey)) {
    throw new InvalidOptionError('accessKey', 'visible ASCII without ":", 1 to 128 characters');
  }
  assertString(options.secretKey, 'secretKey');
  const version = options.version ?? HMAC_VERSION;
  if (version !== HMAC_VERSION)
    throw new InvalidOptionError('version', `"${HMAC_VERSION}" (the only defined version)`);
  const accessKey = options.accessKey;
  const secretKey = options.secretKey;
  const key = createHmacKey(secretKey);
  let last = 0;
  let lastOffset = 0;
  const strategy: AuthStrategy = {
    mechanism: 'hmac',
    bind(context: StrategyContext): BoundStrategy {
      return describeAs(
        {
          mechanism: 'hmac',
          tokenRequests: 0,
          async authorize() {
            // Strictly increasing per key, so no two requests carry the same header; but when the clock offset was
            // just corrected (the server's Date said we were ahead), follow the server's clock down.
            if (context.clock.offsetMs !== lastOffset) {
              lastOffset = context.clock.offsetMs;
              last = 0;
            }
            const timestamp = Math.max(Math.floor(context.clock.now()), last + 1);
            last = timestamp;
            return {
              headers: { authorization: formatHmacHeader({ accessKey, secretKey: key, timestamp, version }) },
            };
          },
          async onUnauthorized(_authorization, facts) {
            return facts.clockChanged;
          },
          redact: (text: string) => redactValues(text, [secretKey]),
          close() {},
        },
        () => ({ mechanism: 'hmac', accessKey }),
      );
    },
  };
  return describeAs(strategy, () => ({ mechanism: 'hmac', accessKey }));
}
