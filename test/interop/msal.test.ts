import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfidentialClientApplication, type INetworkModule, type NetworkResponse } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestServer, type TestServer } from '../support/servers.ts';

// Microsoft's @azure/msal-node, a client nobody here wrote, against the sandbox's eMoney surface: a
// ConfidentialClientApplication with the demo client's certificate (SHA-1 thumbprint + private key, so RS256 with an
// x5t header) gets a token from /connect/token and calls /public/v1/users with the apikey header. MSAL only talks to
// an https authority, so an HTTPS front (a self-signed certificate made by openssl here) proxies to the sandbox, which
// runs with that front's URL as its issuer, as behind any TLS-terminating proxy. MSAL is given the authority's
// metadata, so it makes no discovery request; it trusts the test certificate through its own network client only.

let t: TestServer;
let front: Server;
let frontUrl: string;
let tlsCertificate: string;
const requests: string[] = [];

function createTlsFront(target: string, key: string, cert: string): Server {
  return createServer({ key, cert }, (incoming, outgoing) => {
    const forward = httpRequest(
      `${target}${incoming.url}`,
      { method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
}

/** MSAL's network seam: node:https with the test certificate as the only trusted CA, every request recorded. */
const networkClient: INetworkModule = {
  sendGetRequestAsync: (url, options) => send('GET', url, options),
  sendPostRequestAsync: (url, options) => send('POST', url, options),
};

function send<T>(
  method: string,
  url: string,
  options?: { headers?: Record<string, string>; body?: string },
): Promise<NetworkResponse<T>> {
  requests.push(`${method} ${url}`);
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(
      url,
      { method, headers: options?.headers ?? {}, ca: tlsCertificate },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(answer.headers)) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: answer.statusCode ?? 0, headers, body: (text ? JSON.parse(text) : {}) as T });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options?.body);
  });
}

beforeAll(async () => {
  const directory = mkdtempSync(join(tmpdir(), 'payauth-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(directory, 'key.pem'),
      '-out',
      join(directory, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  tlsCertificate = readFileSync(join(directory, 'cert.pem'), 'utf8');
  const port = await freePort();
  frontUrl = `https://127.0.0.1:${port}`;
  t = await startTestServer({ publicUrl: frontUrl });
  front = createTlsFront(t.url, readFileSync(join(directory, 'key.pem'), 'utf8'), tlsCertificate);
  await new Promise<void>((resolve) => front.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => front?.close(() => resolve()));
  await t?.close();
});

describe('@azure/msal-node ConfidentialClientApplication with a client certificate', () => {
  it('gets a token from /connect/token and calls /public/v1/users with it and the apikey', async () => {
    const pkj = t.demo['private-key-jwt'];
    const certificate = new X509Certificate(readFileSync(pkj.certificatePath));
    const authority = `${frontUrl}/emoney`;
    const application = new ConfidentialClientApplication({
      auth: {
        clientId: pkj.clientId,
        authority,
        knownAuthorities: [new URL(frontUrl).host],
        authorityMetadata: JSON.stringify({
          issuer: frontUrl,
          token_endpoint: `${frontUrl}/connect/token`,
          authorization_endpoint: `${frontUrl}/authorize`,
          jwks_uri: `${frontUrl}/.well-known/jwks.json`,
        }),
        cloudDiscoveryMetadata: JSON.stringify({
          tenant_discovery_endpoint: `${authority}/.well-known/openid-configuration`,
          metadata: [
            {
              preferred_network: new URL(frontUrl).host,
              preferred_cache: new URL(frontUrl).host,
              aliases: [new URL(frontUrl).host],
            },
          ],
        }),
        clientCertificate: {
          thumbprint: certificate.fingerprint.replaceAll(':', ''),
          privateKey: readFileSync(pkj.keyPath, 'utf8'),
        },
      },
      system: { networkClient },
    });
    const result = await application.acquireTokenByClientCredential({ scopes: ['API'] });
    expect(result?.accessToken).toBeTruthy();
    expect(result?.tokenType).toBe('Bearer');
    // MSAL made exactly one request, the token request, and no metadata or instance discovery.
    expect(requests.map((line) => line.split('?', 1)[0])).toEqual([`POST ${frontUrl}/connect/token`]);

    const users = await send<Array<{ id: string }>>('GET', `${frontUrl}/public/v1/users`, {
      headers: { authorization: `Bearer ${result!.accessToken}`, apikey: pkj.apiKey },
    });
    expect(users.status).toBe(200);
    expect(users.body.map((user) => user.id)).toEqual(['U-1001', 'U-1002']);
  });
});
