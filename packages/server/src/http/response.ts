import type { NeutralResponse } from './types.ts';

/** A JSON response with any status (the body is `JSON.stringify(body)`). */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): NeutralResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}
