// The few core and platform pieces the strategies share.
export { hash } from 'node:crypto';
export {
  APP_TOKEN_LIMITS,
  assertNumber,
  assertString,
  buildAppTokenRequest,
  InvalidOptionError,
  parseApiKeyResponse,
} from '@payauth/core';
