import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { connectionAddress as contextNode } from './context-node.ts';
import { resolveAddress, UNKNOWN_ADDRESS } from './option.ts';
import { platformAddress as bunAddress } from './request-bun.ts';
import { platformAddress as denoAddress } from './request-deno.ts';
import { platformAddress as nodeAddress } from './request-node.ts';
import { platformAddress as unknownAddress } from './request-unknown.ts';
import { platformAddress as workersAddress } from './request-workers.ts';

// Each runtime's file, fed what that runtime hands a fetch handler; the real runtimes run in test/runtimes/.
const request = new Request('http://payauth.test/', { headers: { 'cf-connecting-ip': '203.0.113.9' } });

describe('the caller address of a fetch request', () => {
  it("comes from Bun's server.requestIP", () => {
    const server = {
      requestIP: (given: Request) => (given === request ? { address: '198.51.100.7' } : null),
    };
    expect(bunAddress(request, server)).toBe('198.51.100.7');
    expect(bunAddress(request, undefined)).toBeUndefined();
  });

  it("comes from Deno's info.remoteAddr", () => {
    expect(denoAddress(request, { remoteAddr: { hostname: '198.51.100.8', port: 1 } })).toBe('198.51.100.8');
    expect(denoAddress(request, undefined)).toBeUndefined();
  });

  it('comes from CF-Connecting-IP on Workers, and nowhere else (a client could send it)', () => {
    expect(workersAddress(request)).toBe('203.0.113.9');
    for (const elsewhere of [bunAddress, denoAddress, nodeAddress, unknownAddress])
      expect(elsewhere(request, undefined)).toBeUndefined();
  });

  it("comes from @hono/node-server's Node request on Node", () => {
    const incoming = { socket: { remoteAddress: '198.51.100.9' } };
    expect(nodeAddress(request, { incoming })).toBe('198.51.100.9');
    expect(nodeAddress(request, { server: { incoming } })).toBe('198.51.100.9');
  });
});

describe('the address option', () => {
  it('wins when fixed or when its function answers; the runtime is asked otherwise', () => {
    const runtime = () => '192.0.2.1';
    expect(resolveAddress('192.0.2.50', request, runtime)).toBe('192.0.2.50');
    expect(resolveAddress(() => '192.0.2.51', request, runtime)).toBe('192.0.2.51');
    expect(resolveAddress(() => undefined, request, runtime)).toBe('192.0.2.1');
    expect(resolveAddress(undefined, request, () => undefined)).toBe(UNKNOWN_ADDRESS);
  });
});

describe('the caller address of a Hono context on Node', () => {
  it('is the socket of the Node request, not a header', async () => {
    const app = new Hono();
    app.get('/', (c) => c.text(contextNode(c) ?? 'none'));
    const answer = await app.request(request, undefined, {
      incoming: { socket: { remoteAddress: '198.51.100.10' } },
    });
    expect(await answer.text()).toBe('198.51.100.10');
    expect(await (await app.request(request)).text()).toBe('none');
  });
});
