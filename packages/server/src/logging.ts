import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths redacted in every log line, whatever code logs them: credentials in headers and bodies. The server's own
 * lines carry no secret in the first place (they log codes and public ids); this is the second line of defence.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.apikey',
  'headers.authorization',
  'headers.apikey',
  '*.secretKey',
  '*.apiSecret',
  '*.signature',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.client_assertion',
  'secretKey',
  'apiSecret',
  'signature',
  'token',
  'accessToken',
  'access_token',
  'client_assertion',
];

/**
 * Creates the structured (JSON) logger.
 *
 * @example
 * ```ts
 * const logger = createLogger({ level: 'info' })
 * ```
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'payauth' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
