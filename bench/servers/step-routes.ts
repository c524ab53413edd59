// The hmac guard taken apart, as Fastify `onRequest` hooks on the guards server (mounted when BENCH_STEPS=1), to see
// what each of its steps costs inside a server, where a loop underestimates: each route does one more step than the
// one before. Drive them with `BENCH_STEPS=1 ROUNDS="1 2 3 4 5" bash bench/cpu-split.sh /limit/hmac /steps/request
// /steps/parse /steps/lookup /steps/verify /steps/budget /steps/audit /bench/hmac`.
import { parseHmacHeader, verifyHmac } from '@payauth/core';
import type { Payauth } from '@payauth/server';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { GuardRequest } from '../../packages/server/src/http/guard-request.ts';
import { headersFromRaw } from '../../packages/server/src/http/headers.ts';
import { contextOf } from '../../packages/server/src/payauth.ts';
import type { Limits } from './limits.ts';

const STEPS = ['request', 'parse', 'lookup', 'verify', 'budget', 'audit'] as const;

/** Mounts `/steps/<step>` for each step, answering as `answer` does when the request passes. */
export function mountStepRoutes(
  app: FastifyInstance,
  payauth: Payauth,
  limits: Limits,
  answer: (request: FastifyRequest, reply: FastifyReply) => unknown,
): void {
  const window = { maxAgeMs: 300_000, maxFutureMs: 300_000 };
  STEPS.forEach((step, level) => {
    const hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
      const refuse = () => void reply.code(401).send();
      const guarded = new GuardRequest(
        request.method,
        headersFromRaw(request.raw.rawHeaders),
        request.url,
        request.ip,
        request.id,
      );
      const value = guarded.headers.authorization as string;
      if (level === 0) {
        if (limits.hmac(value)) done();
        else refuse();
        return;
      }
      const header = parseHmacHeader(value);
      // The budget as the guard takes it on this path since round 5: a check, then `passed` (round 4's step table
      // was measured with the reservation and its give-back that it replaced).
      const check =
        level >= 4 ? contextOf(payauth).budget.checkNow(guarded.address, header.accessKey) : undefined;
      const credential =
        level >= 2 ? contextOf(payauth).resolver.resolve('hmac', header.accessKey) : undefined;
      const now = Date.now();
      if (level >= 3 && credential && !(credential instanceof Promise)) {
        verifyHmac(header, { secretKey: credential.hmacKeys[0]!.key, now, ...window });
      } else if (!limits.hmac(value)) {
        refuse();
        return;
      }
      if (check !== undefined && typeof check !== 'number') contextOf(payauth).budget.passed(check);
      if (level >= 5 && credential && !(credential instanceof Promise))
        payauth.audit.recordSuccess(
          now,
          'hmac',
          credential.record.id,
          guarded.address,
          header.accessKey,
          guarded,
        );
      done();
    };
    app.get(`/steps/${step}`, { onRequest: hook }, answer);
  });
}
