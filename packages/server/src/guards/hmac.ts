import type { KeyObject } from 'node:crypto';
import {
  diagnoseHmacHeader,
  type HmacHeader,
  parseHmacHeader,
  RejectionError,
  verifyHmac,
} from '@payauth/core';
import type { AuthContext } from '../context.ts';
import { isLive, type ResolvedCredential } from '../credentials/resolver.ts';
import { singleHeader } from '../http/headers.ts';
import type { AuthRequest, GuardResult } from '../http/types.ts';
import { accept, admitAttempt, type RejectionFacts, refuseGuard } from '../rejection.ts';

const FACTS = { surface: 'hmac', mechanism: 'hmac' } as const;

/**
 * The `hmac` guard (API-money): parses `Authorization: AUTH key:ts:version:sign`, checks the failure budget before
 * any crypto, then version, clock window and signature against every live secret (two during a rotation), and in
 * single-use mode records the header so it is accepted once. Every failure answers the documented 1002 body. Two
 * paths reach one verdict: the synchronous one of a cached credential with in-process state ({@link atOnce}), and
 * the general one, which reserves the attempt in the budget first.
 *
 * @example
 * ```ts
 * const guard = createHmacGuard(context)
 * const result = await guard(new GuardRequest('GET', headers, '/api/accounts', address))
 * ```
 */
export function createHmacGuard(
  context: AuthContext,
): (request: AuthRequest) => GuardResult | Promise<GuardResult> {
  // The hot path awaits nothing when the shared state is in-process and the credential is cached: no promise is
  // made between the header and the verdict (docs/architecture.md, "Hot paths"; the figure is in ../sync.ts).
  return function hmacGuard(request) {
    const value = singleHeader(request.headers.authorization);
    let header: HmacHeader;
    try {
      header = parseHmacHeader(value);
    } catch (error) {
      if (!(error instanceof RejectionError)) throw error;
      return refuseMalformed(context, request, value, error);
    }
    return atOnce(context, request, value, header) ?? checkReserved(context, request, value, header);
  };
}

/**
 * The version, clock and signature checks against the credential's live secrets (two during a rotation), then its
 * status: undefined when they pass, else the refusal's reason. Synchronous: nothing can run in between.
 */
function failureOf(
  context: AuthContext,
  header: HmacHeader,
  credential: ResolvedCredential,
  now: number,
): RejectionError | undefined {
  let key: KeyObject | undefined;
  let keys: KeyObject[] | undefined;
  for (const entry of credential.hmacKeys) {
    if (!isLive(entry, now)) continue;
    if (key === undefined) key = entry.key;
    else if (keys === undefined) keys = [key, entry.key];
    else keys.push(entry.key);
  }
  if (key === undefined)
    return new RejectionError('ERR_CREDENTIAL_REVOKED', 'the access key has no live secret');
  try {
    verifyHmac(header, {
      secretKey: keys ?? key,
      now,
      maxAgeMs: context.config.hmac.maxAgeMs,
      maxFutureMs: context.config.hmac.maxFutureMs,
    });
  } catch (error) {
    if (error instanceof RejectionError) return error;
    throw error;
  }
  if (credential.record.status !== 'active')
    return new RejectionError('ERR_CREDENTIAL_REVOKED', 'the access key was revoked');
  return undefined;
}

/** Single-use mode holds for every credential, or for this one. */
function singleUse(context: AuthContext, credential: ResolvedCredential): boolean {
  return context.config.hmac.singleUse || credential.record.options.singleUse === true;
}

/** Single-use mode: the header is recorded in the shared state, and accepted only the first time. */
async function replayOf(context: AuthContext, header: HmacHeader): Promise<RejectionError | undefined> {
  const key = `hmac:${header.accessKey}:${header.timestamp}:${header.signature}`;
  if (await context.state.consumeOnce(key, context.config.hmac.maxAgeMs + context.config.hmac.maxFutureMs))
    return undefined;
  return new RejectionError('ERR_HMAC_REPLAYED', 'single-use mode: this header was already accepted');
}

/** A refusal once the credential is known: its id in the facts, and in sandbox mode the doctor's hint. */
function refuseKnown(
  context: AuthContext,
  request: AuthRequest,
  value: string | undefined,
  credential: ResolvedCredential,
  facts: RejectionFacts,
  error: RejectionError,
): Promise<GuardResult> {
  const known = { ...facts, credentialId: credential.record.id };
  return refuseGuard(context, request, error, withHint(context, value, credential, known));
}

/**
 * The hot path of a cached credential and in-process state: budget check, verification and verdict in one
 * synchronous step, so no other request runs in between and the check alone bounds the guesses verified as a
 * reservation would (docs/architecture.md, "Hot paths"); a failure is counted before the step ends. Undefined when
 * that does not hold: then the general path, which reserves.
 */
function atOnce(
  context: AuthContext,
  request: AuthRequest,
  value: string | undefined,
  header: HmacHeader,
): GuardResult | Promise<GuardResult> | undefined {
  const credential = context.resolver.cached('hmac', header.accessKey);
  if (credential == null || singleUse(context, credential)) return undefined;
  const check = context.budget.checkNow(request.address, header.accessKey);
  // Over budget (a number) or not answerable at once: the general path answers, with the same verdict.
  if (check === undefined || typeof check === 'number') return undefined;
  const failure = failureOf(context, header, credential, context.now());
  if (failure !== undefined) {
    context.budget.failed(check);
    const facts = { ...FACTS, publicId: header.accessKey, countFailure: false };
    return refuseKnown(context, request, value, credential, facts, failure);
  }
  return accepted(context, request, header, credential, { check });
}

/** The general path: the attempt reserved in the budget, the credential resolved, verified, settled. */
async function checkReserved(
  context: AuthContext,
  request: AuthRequest,
  value: string | undefined,
  header: HmacHeader,
): Promise<GuardResult> {
  const admission = await admitAttempt(context, request, { ...FACTS, publicId: header.accessKey });
  if (admission.refused) return { ok: false, response: admission.refused };
  const { ticket, facts } = admission;
  try {
    const credential = await context.resolver.resolve('hmac', header.accessKey);
    if (!credential) {
      const unknown = new RejectionError('ERR_HMAC_KEY_UNKNOWN', 'no credential has this access key');
      return await refuseGuard(context, request, unknown, facts);
    }
    const failure =
      failureOf(context, header, credential, context.now()) ??
      (singleUse(context, credential) ? await replayOf(context, header) : undefined);
    if (failure !== undefined) return await refuseKnown(context, request, value, credential, facts, failure);
    return accepted(context, request, header, credential, { ticket });
  } catch (error) {
    // No verdict (the store or shared state unreachable: a 503): the attempt was no guess, its count goes back.
    if (ticket !== undefined) context.budget.release(ticket);
    throw error;
  }
}

/** The one success path: the budget settled, the success audited, the principal. */
function accepted(
  context: AuthContext,
  request: AuthRequest,
  header: HmacHeader,
  credential: ResolvedCredential,
  budget: Parameters<typeof accept>[3],
): GuardResult {
  const principal = principalOf(header, credential);
  accept(context, request, principal, budget);
  return { ok: true, principal };
}

/** A header that does not parse: 429 when the address is over its budget, else the parse error's answer. */
async function refuseMalformed(
  context: AuthContext,
  request: AuthRequest,
  value: string | undefined,
  error: RejectionError,
): Promise<GuardResult> {
  const admission = await admitAttempt(context, request, withHint(context, value, undefined, FACTS));
  if (admission.refused) return { ok: false, response: admission.refused };
  return refuseGuard(context, request, error, admission.facts);
}

/** Who an accepted header authenticates. */
function principalOf(header: HmacHeader, credential: ResolvedCredential) {
  return {
    mechanism: 'hmac',
    credentialId: credential.record.id,
    partnerId: credential.record.partnerId,
    publicId: header.accessKey,
  } as const;
}

/**
 * Node hands header bytes to JavaScript as latin1, so a `’` pasted into a curl command (UTF-8 E2 80 99) arrives as
 * `â\x80\x99`. The diagnosis must see what the user typed, as `payauth doctor` does: re-read the bytes as UTF-8 when they
 * are valid UTF-8, else keep the value as it came.
 */
function decodeLatin1AsUtf8(value: string): string {
  if (!/[\x80-\xff]/.test(value) || /[^\x00-\xff]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : value;
}

/**
 * In sandbox mode, runs the same diagnosis as `payauth doctor` with the secret the server holds, so the hint names
 * the real cause (seconds for milliseconds, missing trailing colon, swapped arguments…). Never the expected signature.
 */
function withHint(
  context: AuthContext,
  value: string | undefined,
  credential: ResolvedCredential | undefined,
  facts: RejectionFacts,
): RejectionFacts {
  if (!context.config.hints || value === undefined) return facts;
  const secret = credential?.hmacKeys
    .find((k) => isLive(k, context.now()))
    ?.key.export()
    .toString('utf8');
  const diagnosis = diagnoseHmacHeader({
    header: decodeLatin1AsUtf8(value),
    ...(secret === undefined ? {} : { secretKey: secret }),
    now: context.now(),
    maxAgeMs: context.config.hmac.maxAgeMs,
    maxFutureMs: context.config.hmac.maxFutureMs,
  });
  const first = diagnosis.findings.find((f) => f.severity === 'error');
  return first ? { ...facts, hint: first.message } : facts;
}
