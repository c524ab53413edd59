import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/servers.ts';
import { sourceConditions } from './node-arguments.ts';

// SPEC.md, "Embedding": importing `@payauth/server` and one framework's adapter never loads another framework, `pg`
// or `ioredis`. Checked in a fresh Node process with a module resolve hook (`module.registerHooks`), which sees every
// `import` and every `require` (CommonJS dependencies included), not only the ESM graph.

const FORBIDDEN = ['express', 'hono', '@hono/node-server', 'fastify', 'pg', 'ioredis'];

/** The npm packages a fresh process resolves while running `code` (an ES module body) from the repository. */
function packagesLoadedBy(code: string): string[] {
  const probe = `
    import { registerHooks } from 'node:module';
    const urls = new Set();
    registerHooks({ resolve(specifier, context, next) { const result = next(specifier, context); urls.add(result.url); return result; } });
    ${code}
    const names = new Set();
    for (const url of urls) {
      const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(url);
      if (match) names.add(match[1]);
    }
    console.log(JSON.stringify([...names]));
  `;
  const output = execFileSync(process.execPath, [...sourceConditions(), '--input-type=module', '-e', probe], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(output.trim().split('\n').at(-1)!);
}

describe('importing @payauth/server and one adapter loads no other framework, no pg, no ioredis', () => {
  const adapters: Record<string, string> = {
    express: 'express',
    hono: 'hono',
    // The plugin needs only fastify-plugin at import; the app's own `fastify` is the user's.
    fastify: 'fastify-plugin',
    fetch: '',
  };
  for (const [adapter, own] of Object.entries(adapters)) {
    it(`@payauth/server/${adapter}, with createPayauth on ':memory:' run and closed`, () => {
      const loaded = packagesLoadedBy(`
        const { createPayauth } = await import('@payauth/server');
        await import('@payauth/server/${adapter}');
        const payauth = await createPayauth({ store: ':memory:' });
        await payauth.credentials.create('hmac', { partner: 'acme' });
        await payauth.close();
      `);
      if (own) expect(loaded).toContain(own);
      for (const name of FORBIDDEN.filter((name) => name !== own)) expect(loaded).not.toContain(name);
    });
  }

  it('the probe sees what loads: the PostgreSQL subpath loads pg', () => {
    expect(packagesLoadedBy(`await import('@payauth/server/postgres');`)).toContain('pg');
  });
});
