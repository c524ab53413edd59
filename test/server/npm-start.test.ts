import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHmacHeader } from '@payauth/core';
import vectors from '@payauth/core/vectors.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/servers.ts';

// `npm start`'s own command, verbatim, on http://127.0.0.1:8080 — run from a scratch folder that links the
// repository's packages, so that its ./payauth.db and ./payauth-demo/ do not land in the checkout.
const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string;
const free8080 = await new Promise<boolean>((resolve) => {
  const probe = createServer();
  probe.once('error', () => resolve(false));
  probe.listen(8080, '127.0.0.1', () => probe.close(() => resolve(true)));
});
if (!free8080) console.warn('[skip] npm start on 8080: the port is taken on this machine');

describe.skipIf(!free8080)('npm start', () => {
  it('is payauth serve --demo on 8080 with ./payauth.db, and the document example succeeds against it', async () => {
    expect(start).toBe(
      'node --conditions=payauth-source packages/cli/src/bin.ts serve --demo --port 8080 --store ./payauth.db',
    );
    const scratch = mkdtempSync(join(tmpdir(), 'payauth-start-'));
    symlinkSync(join(ROOT, 'packages'), join(scratch, 'packages'));
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
    const [command, ...args] = start.split(' ');
    const child = spawn(command === 'node' ? process.execPath : command!, args, {
      cwd: scratch,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    try {
      for (let i = 0; i < 200 && !stdout.includes('http://127.0.0.1:8080'); i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stdout).toContain('payauth listening on http://127.0.0.1:8080');
      const v = vectors.hmac[0]!;
      const response = await fetch('http://127.0.0.1:8080/api/accounts', {
        headers: {
          Authorization: formatHmacHeader({
            accessKey: v.accessKey,
            secretKey: v.secretKey,
            timestamp: Date.now(),
          }),
        },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(vectors.hmacAccounts.accounts);
      const waka = await fetch('http://127.0.0.1:8080/business/auth', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{ "apiKey": "your_api_key", "apiSecret": "your_api_secret" }',
      });
      expect(waka.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code).toBe(0);
    }
  });
});
