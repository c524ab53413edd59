import type { AuthContext } from './context.ts';
import { jsonResponse } from './http/response.ts';
import type { AuthRequest, NeutralResponse, Principal } from './http/types.ts';

/** The sandbox's protected resources: each returns the authenticated partner's own data. */
export interface Resources {
  /** API-money `GET /api/accounts`: the partner's accounts, as document 000 shows them. */
  accounts(principal: Principal): Promise<NeutralResponse>;
  /** eMoney `GET /public/v1/users`. */
  users(principal: Principal): Promise<NeutralResponse>;
  /** WakaPay `GET /business/balance?currency=USD`. */
  balance(principal: Principal, request: AuthRequest): Promise<NeutralResponse>;
}

/**
 * Creates the resource handlers over the store.
 *
 * @example
 * ```ts
 * const resources = createResources(context); await resources.accounts(principal)
 * ```
 */
export function createResources(context: AuthContext): Resources {
  return {
    async accounts(principal) {
      return jsonResponse(200, await context.store.listAccounts(principal.partnerId));
    },
    async users(principal) {
      return jsonResponse(200, await context.store.listUsers(principal.partnerId));
    },
    async balance(principal, request) {
      const currency = request.query?.currency;
      if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
        return jsonResponse(400, { code: 0, error: 'currency required (ISO 4217, e.g. USD)' });
      }
      const amount = (await context.store.getBalance(principal.partnerId, currency)) ?? '0.00';
      return jsonResponse(200, { currency, balance: amount });
    },
  };
}
