// Two checkouts of payauth in one process: the client's signing per call in each, and core's functions on the
// server's hot paths, in interleaved samples, so that a host whose speed drifts slows both alike. What the
// web-standards work (core's #platform, the client's #keys) costs on Node per call: the server's hmac verification,
// Fondy signature check and access token verification; an hmac header (the hmac strategy's authorize), a Fondy token request body, an eMoney
// client assertion (RS256, the .pfx's key: createClientAssertion before, signClientAssertion now, as the strategy
// calls them), a WakaPay token cache key.
//
// Usage: node --conditions=payauth-source bench/compare-client.ts <other checkout> [samples]
//   The other checkout needs its own node_modules (`npm install` there): its client must import its own core.
//   e.g. git worktree add /tmp/base HEAD~1 && (cd /tmp/base && npm install) && node … bench/compare-client.ts /tmp/base
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from './lib/stats.ts';

/** One RSA-2048 key and certificate in a .pfx, made by openssl for this run and shared by both checkouts. */
function makePfx(): Buffer {
  const directory = mkdtempSync(join(tmpdir(), 'payauth-client-bench-'));
  try {
    const key = join(directory, 'key.pem');
    const certificate = join(directory, 'cert.pem');
    const pfx = join(directory, 'client.pfx');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        certificate,
        '-days',
        '30',
        '-subj',
        '/CN=payauth-bench',
      ],
      { stdio: 'ignore' },
    );
    execFileSync(
      'openssl',
      [
        'pkcs12',
        '-export',
        '-inkey',
        key,
        '-in',
        certificate,
        '-out',
        pfx,
        '-passout',
        'pass:bench-password',
      ],
      { stdio: 'ignore' },
    );
    return readFileSync(pfx);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const PFX = makePfx();

type Operation = () => unknown;

/** The operations of one checkout, each its own code path (the fixture is the same for both). */
async function load(root: string): Promise<Record<string, Operation>> {
  const core = await import(join(root, 'packages/core/src/index.ts'));
  const client = await import(join(root, 'packages/client/src/index.ts'));
  const { tokenCacheKey } = await import(join(root, 'packages/client/src/auth/token-strategy.ts'));
  const vectors = JSON.parse(readFileSync(join(root, 'packages/core/vectors/vectors.json'), 'utf8'));
  const hmacVector = vectors.hmac[0];
  const strategy = client
    .hmac({ accessKey: hmacVector.accessKey, secretKey: hmacVector.secretKey })
    .bind({ fetch, clock: new client.ServerClock(), baseUrl: 'http://127.0.0.1:1' });
  const material = client.loadPkcs12(PFX, 'bench-password');
  const kid = material.thumbprints.x5t;
  const sign = core.signClientAssertion ?? core.createClientAssertion;
  const appInput = {
    applicationId: '1234',
    secretKey: 'fondy-demo-secret-1234',
    date: '2020-04-06 11:15:27',
  };
  // The server's hot paths in core (it calls them synchronously): an hmac header verified with a KeyObject, a Fondy
  // signature checked, an EdDSA access token verified.
  const hmacKey = core.createHmacKey(hmacVector.secretKey);
  const parsed = core.parseHmacHeader(hmacVector.header);
  const appRequest = core.buildAppTokenRequest(appInput);
  const { privateKey: tokenKey, publicKey: tokenPublicKey } = generateKeyPairSync('ed25519');
  const issuer = 'http://127.0.0.1:1';
  const { token } = core.signAccessToken(
    { iss: issuer, aud: `${issuer}/api-key`, sub: 's', client_id: 'c', partner: 'p', mechanism: 'api-key' },
    3600,
    { kid: 'k1', privateKey: tokenKey },
    Date.now(),
  );
  const tokenKeys = new Map([['k1', tokenPublicKey]]);
  return {
    'server: verifyHmac (KeyObject)': () =>
      core.verifyHmac(parsed, { secretKey: hmacKey, now: hmacVector.timestamp }),
    'server: verifyAppTokenSignature (SHA-512)': () =>
      core.verifyAppTokenSignature(appRequest, appInput.secretKey),
    'server: verifyAccessToken (EdDSA)': () =>
      core.verifyAccessToken(token, { keys: tokenKeys, issuer, now: Date.now() }),
    'hmac authorize (header)': () => strategy.authorize(),
    'app-token request body': () => core.buildAppTokenRequest(appInput),
    'private-key-jwt assertion (RS256)': () =>
      sign({
        clientId: 'emoney-demo-client',
        privateKey: material.privateKey,
        kid,
        audience: 'https://signin.emaplan.com/connect/token',
        now: Date.now(),
      }),
    'api-key token cache key': () => tokenCacheKey(['api-key', 'http://127.0.0.1:1/business/auth', 'k', 's']),
  };
}

/** µs per call of `operation` (awaited when it returns a promise) over `calls` calls. */
async function microseconds(operation: Operation, calls: number): Promise<number> {
  const began = process.hrtime.bigint();
  for (let index = 0; index < calls; index++) {
    const result = operation();
    if (result instanceof Promise) await result;
  }
  return Number(process.hrtime.bigint() - began) / 1000 / calls;
}

const CALLS: Record<string, number> = {
  'server: verifyHmac (KeyObject)': 200_000,
  'server: verifyAppTokenSignature (SHA-512)': 200_000,
  'server: verifyAccessToken (EdDSA)': 5_000,
  'hmac authorize (header)': 100_000,
  'app-token request body': 200_000,
  'private-key-jwt assertion (RS256)': 500,
  'api-key token cache key': 200_000,
};

const [other, samplesText] = process.argv.slice(2);
if (other === undefined) {
  console.error('usage: node --conditions=payauth-source bench/compare-client.ts <other checkout> [samples]');
  process.exit(2);
}
const roots = [resolve(other), resolve(import.meta.dirname, '..')] as const;
const trees = [await load(roots[0]), await load(roots[1])] as const;
const samples = Number(samplesText ?? 12);
console.log(
  `client signing, µs per call (${samples} interleaved samples); ratio = this checkout ÷ ${roots[0]}`,
);
// OPERATIONS=name,name limits the run to some operations (by the start of their names).
const wanted = process.env.OPERATIONS?.split(',');
for (const name of Object.keys(trees[1]).filter((n) => !wanted || wanted.some((w) => n.startsWith(w)))) {
  const calls = CALLS[name]!;
  // Warm-up of both (JIT, key caches).
  for (const tree of trees) await microseconds(tree[name]!, Math.ceil(calls / 5));
  const values: [number[], number[]] = [[], []];
  for (let sample = 0; sample < samples; sample++) {
    // ABBA: which checkout goes first alternates, so that neither always runs on the warmer or cooler side.
    for (const index of sample % 2 ? ([1, 0] as const) : ([0, 1] as const)) {
      values[index].push(await microseconds(trees[index][name]!, calls));
    }
  }
  const ratios = values[1].map((value, index) => value / values[0][index]!);
  console.log(
    `  ${name}: before ${median(values[0]).toFixed(3)}, now ${median(values[1]).toFixed(3)}, ratio ${median(ratios).toFixed(3)}`,
  );
}
