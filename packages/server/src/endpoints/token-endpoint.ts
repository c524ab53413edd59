import { mechanismTable, RejectionError } from '@payauth/core';
import type { AuthContext } from '../context.ts';
import type { ResolvedCredential } from '../credentials/resolver.ts';
import type { AuthRequest, NeutralResponse, RequestHandler } from '../http/types.ts';
import { accept, admitAttempt, type RejectionFacts, refuse } from '../rejection.ts';

/** A token mechanism: one whose credential is exchanged for a token at its endpoint. */
export type TokenMechanism = 'app-token' | 'private-key-jwt' | 'api-key';

/** What an endpoint's `verify` hands on when the request earns a token: the credential, and what the token needs. */
export interface Grant {
  readonly credential: ResolvedCredential;
}

/** The steps that differ between the three token endpoints; {@link createTokenEndpoint} runs them. */
export interface TokenSteps<Parsed extends { readonly publicId: string }, Granted extends Grant> {
  readonly mechanism: TokenMechanism;
  /** Reads the request (shape only, no secret checked): the parsed request, or why it is invalid. */
  parse(request: AuthRequest): Parsed | RejectionError;
  /** Checks the proof against the credential (undefined when unknown): the grant, or why not. May wait (replays). */
  verify(
    parsed: Parsed,
    credential: ResolvedCredential | undefined,
    request: AuthRequest,
  ): Granted | RejectionError | Promise<Granted | RejectionError>;
  /** Issues the token and answers the documented body. */
  issue(granted: Granted, parsed: Parsed, request: AuthRequest): NeutralResponse;
  /** Adjusts the answer to a request that did not parse (eMoney's RFC 6749 §5.2 challenge). */
  answerInvalid?(response: NeutralResponse, request: AuthRequest): NeutralResponse;
}

/**
 * The one shape of a token endpoint: parse → admit (failure budget, then the credential) → verify → issue → audit.
 * Refusals travel as values (a {@link RejectionError} returned, or thrown by a core verifier and caught here once)
 * and are answered by `refuse`; a budget reservation is settled here, on every way out.
 *
 * @example
 * ```ts
 * const endpoint = createTokenEndpoint(context, { mechanism: 'api-key', parse, verify, issue })
 * ```
 */
export function createTokenEndpoint<Parsed extends { readonly publicId: string }, Granted extends Grant>(
  context: AuthContext,
  steps: TokenSteps<Parsed, Granted>,
): RequestHandler {
  const { mechanism } = steps;
  const base: RejectionFacts = { surface: mechanismTable[mechanism].tokenSurface!, mechanism };
  return async function tokenEndpoint(request) {
    const parsed = parseOrRefusal(steps, request);
    const refusal = parsed instanceof RejectionError ? parsed : undefined;
    const valid = parsed as Parsed;
    const admission = await admitAttempt(
      context,
      request,
      refusal ? base : { ...base, publicId: valid.publicId },
    );
    if (admission.refused) return admission.refused;
    const { ticket, facts } = admission;
    if (refusal !== undefined) {
      const response = await refuse(context, request, refusal, facts);
      return steps.answerInvalid?.(response, request) ?? response;
    }
    try {
      const credential = await context.resolver.resolve(mechanism, valid.publicId);
      const known = credential === undefined ? facts : { ...facts, credentialId: credential.record.id };
      const granted = await verifyOrRefusal(steps, valid, credential, request);
      if (granted instanceof RejectionError) return await refuse(context, request, granted, known);
      const response = steps.issue(granted, valid, request);
      const { id, partnerId } = granted.credential.record;
      accept(
        context,
        request,
        { mechanism, credentialId: id, partnerId, publicId: valid.publicId },
        { ticket },
      );
      return response;
    } catch (error) {
      // No verdict (the store or shared state unreachable: a 503): the attempt was no guess, its count goes back.
      if (ticket !== undefined) context.budget.release(ticket);
      throw error;
    }
  };
}

/** The parse step, a refusal a core parser threw turned into its value. */
function parseOrRefusal<Parsed extends { readonly publicId: string }>(
  steps: TokenSteps<Parsed, Grant>,
  request: AuthRequest,
): Parsed | RejectionError {
  try {
    return steps.parse(request);
  } catch (error) {
    return refusalOf(error);
  }
}

/** The verify step, a refusal a core verifier threw turned into its value. */
async function verifyOrRefusal<Parsed extends { readonly publicId: string }, Granted extends Grant>(
  steps: TokenSteps<Parsed, Granted>,
  parsed: Parsed,
  credential: ResolvedCredential | undefined,
  request: AuthRequest,
): Promise<Granted | RejectionError> {
  try {
    return await steps.verify(parsed, credential, request);
  } catch (error) {
    return refusalOf(error);
  }
}

/** A {@link RejectionError} a core parser or verifier threw, as the value it stands for; anything else is a bug. */
function refusalOf(error: unknown): RejectionError {
  if (error instanceof RejectionError) return error;
  throw error;
}

/**
 * Signs an access token for a granted credential (RFC 9068 claims: `sub` the credential id, `client_id` its public id,
 * the partner and the mechanism, plus `extra`) and returns it.
 */
export function issueToken(
  context: AuthContext,
  mechanism: TokenMechanism,
  granted: Grant,
  lifetimeSeconds: number,
  extra: { readonly client_id?: string; readonly scope?: string } = {},
): string {
  const { record } = granted.credential;
  return context.issuer.issue(
    { sub: record.id, client_id: record.publicId, partner: record.partnerId, mechanism, ...extra },
    lifetimeSeconds,
  ).token;
}
