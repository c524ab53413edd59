import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTestServer, type TestServer } from '../support/servers.ts';

// docs/client.md's examples, run as they are written, against a sandbox seeded with the demo values.
const run = promisify(execFile);
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

describe('docs/examples run as written', () => {
  for (const name of ['api-money', 'fondy', 'emoney', 'wakapay']) {
    it(name, async () => {
      const { stdout } = await run(process.execPath, [`${ROOT}docs/examples/${name}.ts`], {
        cwd: t.directory,
        env: { ...process.env, PAYAUTH_BASE_URL: t.url },
      });
      const output = JSON.parse(stdout);
      if (name === 'wakapay') expect(output).toMatchObject({ usd: { currency: 'USD' }, tokenRequests: 1 });
      else expect(Array.isArray(output)).toBe(true);
    });
  }
});
