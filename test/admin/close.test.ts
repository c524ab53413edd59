import { expect, it } from 'vitest';
import { startTestServer } from '../support/servers.ts';
import { openEvents } from './sse.ts';

it('a server with an open event stream still closes at once (the stream ends first)', async () => {
  const token = 'admin-token-0123456789-abcdefghij';
  const server = await startTestServer({ admin: { token }, storeFile: false });
  const events = await openEvents(`${server.url}/admin/api/events`, { authorization: `Bearer ${token}` });
  try {
    expect(events.status).toBe(200);
    const started = Date.now();
    await Promise.race([server.close(), new Promise((resolve) => setTimeout(resolve, 8000))]);
    expect(Date.now() - started).toBeLessThan(5000);
  } finally {
    events.close();
  }
}, 20_000);
