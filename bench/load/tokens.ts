// Token-endpoint load: pre-generates `count` distinct RS256 client assertions (each accepted once), then posts them
// with `concurrency` requests in flight and prints {tokensPerSecond, ok, failed, seconds, serverCpuSeconds}.
// Usage: node bench/load/tokens.ts <endpoint> <count> <concurrency> <pfx> <password> <clientId> [audience] [serverPid]
// With serverPid, the server's CPU time is read at the start and the end of the sending phase only (the signing of
// the assertions beforehand is not in the window).
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadPkcs12 } from '@payauth/client';
import { createClientAssertion } from '@payauth/core';
import { cpuSeconds } from '../lib/cpu.ts';

const [endpoint, countText, concurrencyText, pfxPath, password, clientId, audienceText, serverPidText] =
  process.argv.slice(2);
const serverPid = serverPidText ? Number(serverPidText) : undefined;
// The audience the assertions name (default: the endpoint they are posted to).
const audience = audienceText ?? endpoint!;
const count = Number(countText);
const { privateKey, certificate } = loadPkcs12(readFileSync(pfxPath!), password!);
const bodies: string[] = [];
for (let i = 0; i < count; i++) {
  const assertion = createClientAssertion({
    clientId: clientId!,
    privateKey,
    certificate: certificate!,
    audience,
    lifetimeSeconds: 300,
  });
  bodies.push(
    new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: 'API',
    }).toString(),
  );
}
const agent = new Agent({ keepAlive: true, maxSockets: Number(concurrencyText) });
const url = new URL(endpoint!);
let next = 0;
let ok = 0;
let failed = 0;
const post = (body: string) =>
  new Promise<number>((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
const startCpu = serverPid === undefined ? undefined : cpuSeconds(serverPid);
const start = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: Number(concurrencyText) }, async () => {
    while (next < bodies.length) {
      const status = await post(bodies[next++]!);
      if (status === 200) ok++;
      else failed++;
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const endCpu = serverPid === undefined ? undefined : cpuSeconds(serverPid);
agent.destroy();
const serverCpuSeconds = startCpu === undefined || endCpu === undefined ? undefined : endCpu - startCpu;
console.log(JSON.stringify({ tokensPerSecond: ok / seconds, ok, failed, seconds, serverCpuSeconds }));
