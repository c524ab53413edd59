import {
  createHash,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  hash,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
  X509Certificate,
} from 'node:crypto';
import {
  createClientAssertion,
  createHmacKey,
  decodeClientAssertion,
  formatHmacHeader,
  parseHmacHeader,
  registerCertificate,
  signAccessToken,
  signAppToken,
  signHmac,
  verifyAccessToken,
  verifyAppTokenSignature,
  verifyClientAssertion,
  verifyHmac,
} from '@payauth/core';
import { generateIdentity } from '@payauth/server';
import { createVerifier } from 'fast-jwt';
import { importSPKI, jwtVerify } from 'jose';
import { compareOps, measureOps, median, ratio } from '../lib/stats.ts';

/** One line of a group's report. */
export interface Row {
  readonly name: string;
  readonly value: number;
  readonly baseline: number;
  readonly ratio: number;
  readonly unit: string;
  readonly goal?: string;
  readonly met?: boolean;
  readonly samples?: { value: number[]; baseline: number[] };
}

async function measureAsync(work: () => Promise<unknown>, count = 2000, samples = 5): Promise<number[]> {
  for (let i = 0; i < 200; i++) await work();
  const out: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await work();
    out.push(count / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return out;
}

function row(
  name: string,
  result: { candidate: number[]; baseline: number[] },
  goal?: { maxTimeRatio: number },
): Row {
  const value = median(result.candidate);
  const baseline = median(result.baseline);
  // The ratio is time ÷ raw time (= raw ops ÷ our ops): 1.00 means no overhead.
  const timeRatio = ratio(baseline, value);
  return {
    name,
    value: Math.round(value),
    baseline: Math.round(baseline),
    ratio: timeRatio,
    unit: 'ops/s',
    ...(goal ? { goal: `≤ ${goal.maxTimeRatio}× raw time`, met: timeRatio <= goal.maxTimeRatio } : {}),
    samples: { value: result.candidate.map(Math.round), baseline: result.baseline.map(Math.round) },
  };
}

/** Core sign/verify ÷ the raw node:crypto call, in the same run; jose and fast-jwt beside for context. */
export async function runCrypto(): Promise<Row[]> {
  const rows: Row[] = [];
  const accessKey = 'k1rXpphkRG!2-Fox';
  const secret = 'E0!oYfVpA6-noiqGr-pT7AJ2ybT4r7lx';
  // A KeyObject on Node (core's node platform).
  const key = createHmacKey(secret) as KeyObject;
  const timestamp = 1672650133163;
  const stringToSign = `${accessKey}:${timestamp}:1:`;
  rows.push(
    row(
      'hmac sign (core signHmac) ÷ raw createHmac, KeyObject',
      compareOps(
        () => signHmac({ accessKey, secretKey: key, timestamp }),
        () => createHmac('sha256', key).update(stringToSign).digest('hex'),
      ),
      { maxTimeRatio: 1.3 },
    ),
  );
  const header = formatHmacHeader({ accessKey, secretKey: key, timestamp });
  const presented = header.slice(-64);
  // Raw verification: the HMAC and a constant-time comparison with the presented hex, decoded.
  const rawVerify = () =>
    timingSafeEqual(createHmac('sha256', key).update(stringToSign).digest(), Buffer.from(presented, 'hex'));
  const parsed = parseHmacHeader(header);
  rows.push(
    row(
      'hmac verifyHmac (core, parsed header) ÷ raw createHmac + timingSafeEqual',
      compareOps(() => verifyHmac(parsed, { secretKey: key, now: timestamp }), rawVerify),
      { maxTimeRatio: 1.3 },
    ),
  );
  rows.push(
    row(
      'hmac parse (strict grammar) + verifyHmac ÷ raw createHmac + timingSafeEqual',
      compareOps(() => verifyHmac(parseHmacHeader(header), { secretKey: key, now: timestamp }), rawVerify),
    ),
  );
  rows.push(
    row(
      'hmac sign with a Buffer key (what not to do) ÷ KeyObject',
      compareOps(
        () => createHmac('sha256', Buffer.from(secret)).update(stringToSign).digest('hex'),
        () => createHmac('sha256', key).update(stringToSign).digest('hex'),
      ),
    ),
  );
  const appInput = {
    secretKey: 'fondy-demo-secret-1234',
    applicationId: '1234',
    date: '2020-04-06 11:15:27',
  };
  const appText = `${appInput.secretKey}|${appInput.applicationId}|${appInput.date}`;
  rows.push(
    row(
      'app-token sign (core) ÷ raw crypto.hash sha512',
      compareOps(
        () => signAppToken(appInput),
        () => hash('sha512', appText, 'hex'),
      ),
    ),
  );
  const appRequest = { application_id: '1234', date: appInput.date, signature: signAppToken(appInput) };
  const appExpected = Buffer.from(appRequest.signature, 'latin1');
  rows.push(
    row(
      'app-token verify (core) ÷ raw hash + timingSafeEqual',
      compareOps(
        () => verifyAppTokenSignature(appRequest, appInput.secretKey),
        () => timingSafeEqual(Buffer.from(hash('sha512', appText, 'hex'), 'latin1'), appExpected),
      ),
    ),
  );
  rows.push(
    row(
      '(context) createHash sha512 ÷ crypto.hash',
      compareOps(
        () => createHash('sha512').update(appText).digest('hex'),
        () => hash('sha512', appText, 'hex'),
      ),
    ),
  );

  const identity = generateIdentity({ commonName: 'bench', password: 'x' });
  const certificate = new X509Certificate(identity.certificatePem);
  const { createPrivateKey } = await import('node:crypto');
  const privateKey = createPrivateKey(identity.keyPem);
  const audience = 'http://127.0.0.1:8080/connect/token';
  const now = Date.now();
  const jwt = createClientAssertion({ clientId: 'c1', privateKey, certificate, audience, now });
  const client = { clientId: 'c1', certificates: [registerCertificate(certificate)] };
  const [input, signaturePart] = [jwt.slice(0, jwt.lastIndexOf('.')), jwt.slice(jwt.lastIndexOf('.') + 1)];
  const signature = Buffer.from(signaturePart, 'base64url');
  const inputBytes = Buffer.from(input);
  const publicKey = certificate.publicKey;
  rows.push(
    row(
      'private-key-jwt assertion verify (decode + every check) ÷ raw crypto.verify RS256',
      compareOps(
        () => verifyClientAssertion(decodeClientAssertion(jwt), client, { audiences: [audience], now }),
        () => verify('sha256', inputBytes, publicKey, signature),
        { batch: 2000 },
      ),
    ),
  );
  rows.push(
    row(
      'private-key-jwt assertion create ÷ raw crypto.sign RS256',
      compareOps(
        () => createClientAssertion({ clientId: 'c1', privateKey, certificate, audience, now }),
        () => sign('sha256', inputBytes, privateKey),
        { batch: 200 },
      ),
    ),
  );

  // The server path for issued tokens.
  const { privateKey: serverKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serverPublic = createPublicKey(serverKey);
  const issued = signAccessToken(
    {
      iss: 'http://x',
      aud: 'http://x/api-key',
      sub: 'cred_1',
      client_id: 'k',
      partner: 'p',
      mechanism: 'api-key',
    },
    3600,
    { kid: 'k1', privateKey: serverKey },
    now,
  ).token;
  const keys = new Map([['k1', serverPublic]]);
  const tokenInput = Buffer.from(issued.slice(0, issued.lastIndexOf('.')));
  const tokenSignature = Buffer.from(issued.slice(issued.lastIndexOf('.') + 1), 'base64url');
  const raw = () => verify('sha256', tokenInput, serverPublic, tokenSignature);
  rows.push(
    row(
      'access token verify (core verifyAccessToken) ÷ raw crypto.verify RS256',
      compareOps(() => verifyAccessToken(issued, { keys, issuer: 'http://x', now }), raw, { batch: 2000 }),
    ),
  );
  const edKey = generateKeyPairSync('ed25519').privateKey;
  const edPublic = createPublicKey(edKey);
  const edToken = signAccessToken(
    {
      iss: 'http://x',
      aud: 'http://x/api-key',
      sub: 'cred_1',
      client_id: 'k',
      partner: 'p',
      mechanism: 'api-key',
    },
    3600,
    { kid: 'e1', privateKey: edKey },
    now,
  ).token;
  const edInput = Buffer.from(edToken.slice(0, edToken.lastIndexOf('.')));
  const edSignature = Buffer.from(edToken.slice(edToken.lastIndexOf('.') + 1), 'base64url');
  rows.push(
    row(
      'access token verify, EdDSA (the default) ÷ raw crypto.verify Ed25519',
      compareOps(
        () => verifyAccessToken(edToken, { keys: new Map([['e1', edPublic]]), issuer: 'http://x', now }),
        () => verify(null, edInput, edPublic, edSignature),
        { batch: 1000 },
      ),
    ),
  );
  rows.push(
    row(
      'access token sign, EdDSA (the default) ÷ RS256: why the issued tokens are EdDSA',
      compareOps(
        () =>
          signAccessToken(
            {
              iss: 'http://x',
              aud: 'http://x/api-key',
              sub: 'c',
              client_id: 'k',
              partner: 'p',
              mechanism: 'api-key',
            },
            3600,
            { kid: 'e1', privateKey: edKey },
            now,
          ),
        () =>
          signAccessToken(
            {
              iss: 'http://x',
              aud: 'http://x/api-key',
              sub: 'c',
              client_id: 'k',
              partner: 'p',
              mechanism: 'api-key',
            },
            3600,
            { kid: 'k1', privateKey: serverKey },
            now,
          ),
        { batch: 300 },
      ),
    ),
  );
  const fastJwt = createVerifier({
    key: serverPublic.export({ type: 'spki', format: 'pem' }) as string,
    algorithms: ['RS256'],
    cache: false,
  });
  rows.push(
    row(
      '(context) fast-jwt verify RS256 ÷ raw crypto.verify',
      compareOps(() => fastJwt(issued), raw, { batch: 2000 }),
    ),
  );
  const joseKey = await importSPKI(serverPublic.export({ type: 'spki', format: 'pem' }) as string, 'RS256');
  const joseOps = await measureAsync(() => jwtVerify(issued, joseKey), 1000, 3);
  const rawOps = measureOps(raw, { batch: 2000, samples: 3 });
  rows.push({
    name: '(context) jose jwtVerify RS256, awaited one at a time ÷ raw crypto.verify',
    value: Math.round(median(joseOps)),
    baseline: Math.round(median(rawOps)),
    ratio: ratio(median(rawOps), median(joseOps)),
    unit: 'ops/s',
    samples: { value: joseOps.map(Math.round), baseline: rawOps.map(Math.round) },
  });
  return rows;
}
