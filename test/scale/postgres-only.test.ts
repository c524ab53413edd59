import { readFileSync } from 'node:fs';
import { loadPkcs12 } from '@payauth/client';
import { buildAppTokenRequest, createClientAssertion, formatHmacHeader } from '@payauth/core';
import { describe, expect, it } from 'vitest';
import { useInstances } from '../support/instances.ts';
import { requestEmoneyToken } from '../support/peers.ts';
import { runPayauth } from '../support/servers.ts';
import { postgresReachable } from '../support/services.ts';

// SPEC.md, "Run as a service": PostgreSQL alone is enough for several instances. Three `payauth serve` on one
// database and no Redis (the PostgreSQL shared state, the default for a postgres:// store), one test client spreading
// 200 simultaneous copies of one request over them: exactly one is accepted, and a failure budget holds in total.
const ready = await postgresReachable();
if (!ready) console.warn('[skip] PostgreSQL-only suite: PostgreSQL is not reachable (.ci/run starts it)');

const RACE = 200;
const FAILURE_LIMIT = 10;

describe.skipIf(!ready)('three instances on PostgreSQL alone: 200-way races', () => {
  const fleet = useInstances([
    '--hints',
    // Single-use hmac headers and Fondy's strict mode: a copy of an accepted request is a replay.
    '--hmac-single-use',
    '--strict',
    '--failure-limit',
    String(FAILURE_LIMIT),
    // The races come from one address: its own budget must not be what stops them.
    '--address-failure-limit',
    '100000',
    '--log-level',
    'warn',
  ]);

  /** Sends `RACE` copies at once, spread over the fleet.instances; returns each status and hint. */
  async function race(send: (url: string) => Promise<Response>) {
    const answers = await Promise.all(
      Array.from({ length: RACE }, (_, i) =>
        send(fleet.instances[i % fleet.instances.length]!.url).then(async (response) => {
          await response.arrayBuffer();
          return { status: response.status, hint: response.headers.get('payauth-hint') ?? '' };
        }),
      ),
    );
    const statuses: Record<number, number> = {};
    for (const answer of answers) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    return { answers, statuses };
  }

  it('one hmac header: exactly one of 200 is accepted', async () => {
    const header = formatHmacHeader({
      accessKey: fleet.demo.hmac.accessKey,
      secretKey: fleet.demo.hmac.secretKey,
      timestamp: Date.now(),
    });
    const { answers, statuses } = await race((url) =>
      fetch(`${url}/api/accounts`, { headers: { Authorization: header } }),
    );
    console.info(`hmac race: ${JSON.stringify(statuses)}`);
    expect(statuses[200]).toBe(1);
    for (const answer of answers) expect([200, 401, 429]).toContain(answer.status);
  });

  it('one client assertion: exactly one of 200 gets a token', async () => {
    const pkj = fleet.demo['private-key-jwt'];
    const { privateKey, certificate } = loadPkcs12(readFileSync(pkj.pfxPath), pkj.pfxPassword);
    const jwt = createClientAssertion({
      clientId: pkj.clientId,
      privateKey,
      certificate: certificate!,
      audience: `${fleet.issuer}/connect/token`,
    });
    const { answers, statuses } = await race((url) => requestEmoneyToken(url, jwt));
    console.info(`assertion race: ${JSON.stringify(statuses)}`);
    expect(statuses[200]).toBe(1);
    for (const answer of answers) expect([200, 401, 429]).toContain(answer.status);
  });

  it('one Fondy body in strict mode: exactly one of 200 gets a token', async () => {
    const body = JSON.stringify(
      buildAppTokenRequest({
        applicationId: fleet.demo['app-token'].applicationId,
        secretKey: fleet.demo['app-token'].secretKey,
        date: new Date().toISOString(),
      }),
    );
    const { answers, statuses } = await race((url) =>
      fetch(`${url}/authorizer/token/application/get`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      }),
    );
    console.info(`Fondy race: ${JSON.stringify(statuses)}`);
    expect(statuses[200]).toBe(1);
    for (const answer of answers) expect([200, 403, 429]).toContain(answer.status);
  });

  it(`the failure budget holds across instances: of ${RACE} wrong signatures at most ${FAILURE_LIMIT} are verified`, async () => {
    const created = JSON.parse(
      (
        await runPayauth(['credentials', 'create', 'hmac', '--store', fleet.database.url, '--json'], {
          env: fleet.env,
        })
      ).stdout,
    ) as { accessKey: string };
    // The fleet.instances learn of the new key from the store's change notice (and their 500 ms poll).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const header = () =>
      formatHmacHeader({ accessKey: created.accessKey, secretKey: 'wrong-secret', timestamp: Date.now() });
    const { answers, statuses } = await race((url) =>
      fetch(`${url}/api/accounts`, { headers: { Authorization: header() } }),
    );
    console.info(`failure budget race (limit ${FAILURE_LIMIT}): ${JSON.stringify(statuses)}`);
    const verified = answers.filter((answer) => answer.hint.startsWith('ERR_HMAC_SIGNATURE')).length;
    expect(verified).toBeGreaterThan(0);
    expect(verified).toBeLessThanOrEqual(FAILURE_LIMIT);
    expect((statuses[401] ?? 0) + (statuses[429] ?? 0)).toBe(RACE);
  });
});
