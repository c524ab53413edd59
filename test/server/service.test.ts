import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@payauth/server';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CliProcess,
  freePort,
  startPayauth,
  startTestServer,
  waitForOutput,
} from '../support/servers.ts';
import { CuttableProxy, needRedis, REDIS_URL } from '../support/services.ts';

// SPEC.md, "Run as a service": the probes, and the drain on SIGTERM with nothing lost.

/** Opens a raw connection and sends the request line, the headers and the start of a body that is still coming. */
async function startSlowRequest(port: number, path: string, body: string, sent: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let answer = '';
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString('utf8');
  });
  const ended = new Promise<string>((resolve) => socket.once('close', () => resolve(answer)));
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, sent)}`,
  );
  return { socket, finish: () => socket.write(body.slice(sent)), ended };
}

const connects = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });

const redisUp = await needRedis('service suite (Redis cut)');

describe('payauth serve as a service', () => {
  let running: CliProcess | undefined;
  afterEach(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGTERM');
      await running.exited;
    }
    running = undefined;
  });

  it('/health/live and /health/ready answer 200; /health is as it was', async () => {
    const port = await freePort();
    running = startPayauth(['serve', '--port', String(port), '--store', ':memory:', '--log-level', 'silent']);
    await waitForOutput(running, (out) => out.includes(`http://127.0.0.1:${port}`));
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect([live.status, await live.json()]).toEqual([200, { status: 'live' }]);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', store: 'ok', state: 'ok' }]);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'ok',
      audit: { status: 'ok', pending: 0, rejectedRows: 0, dropped: 0 },
    });
  });

  it('SIGTERM: stops accepting, finishes the request in flight, writes its audit row, exits 0', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'payauth-drain-'));
    const storePath = join(directory, 'store.db');
    const port = await freePort();
    running = startPayauth(
      ['serve', '--port', String(port), '--store', storePath, '--demo', '--audit-each-success'],
      { cwd: directory },
    );
    await waitForOutput(running, (out) => out.includes('pfx '));
    const body = JSON.stringify({ apiKey: 'your_api_key', apiSecret: 'your_api_secret' });
    const slow = await startSlowRequest(port, '/business/auth', body, 10);
    // The server has the request line and headers: the request is in flight when the signal comes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    running.child.kill('SIGTERM');
    let refused = false;
    for (let i = 0; i < 100 && !refused; i++) {
      refused = !(await connects(port));
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(refused).toBe(true);
    expect(running.child.exitCode).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 500));
    slow.finish();
    const answer = await slow.ended;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('"accessToken"');
    expect(await running.exited).toBe(0);
    // Nothing lost: the success of the drained request is in the store once the process is gone.
    const store = new SqliteStore(storePath);
    const rows = await store.listAudit();
    await store.close();
    expect(rows.filter((row) => row.mechanism === 'api-key' && row.outcome === 'success')).toHaveLength(1);
  });

  it('a request still running when the drain time is over is cut, and close() goes on', async () => {
    const server = await startTestServer({ drainTimeoutMs: 300 });
    const port = Number(new URL(server.url).port);
    const slow = await startSlowRequest(port, '/business/auth', '{"apiKey":"your_api_key"}', 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.close();
    expect(await slow.ended).toBe('');
  });

  it.skipIf(!redisUp)(
    '/health/ready answers 503 while the shared state is cut, 200 once it is back',
    async () => {
      const target = new URL(REDIS_URL);
      const redis = await CuttableProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
      const port = await freePort();
      running = startPayauth([
        'serve',
        '--port',
        String(port),
        '--store',
        ':memory:',
        '--log-level',
        'silent',
        '--redis',
        `redis://127.0.0.1:${redis.port}`,
        '--redis-prefix',
        `payauth-test:${randomBytes(4).toString('hex')}:`,
      ]);
      try {
        await waitForOutput(running, (out) => out.includes(`http://127.0.0.1:${port}`));
        const ready = () => fetch(`http://127.0.0.1:${port}/health/ready`);
        expect((await ready()).status).toBe(200);
        redis.cut();
        const down = await ready();
        expect(down.status).toBe(503);
        expect(down.headers.get('retry-after')).toBe('1');
        expect(await down.json()).toEqual({ status: 'unavailable', store: 'ok', state: 'down' });
        expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
        redis.restore();
        let status = 0;
        for (let i = 0; i < 100 && status !== 200; i++) {
          status = (await ready()).status;
          if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(status).toBe(200);
      } finally {
        await redis.close();
      }
    },
  );
});
