// Core's whole unit suite again, with `#platform` resolved to the web implementation (web.ts) instead of node.ts: the
// same vectors, documents' examples and properties must hold on the code workerd, edge runtimes and browsers run.
// Node offers process.getBuiltinModule here, as workerd with nodejs_compat does, so the server-side operations on
// KeyObjects run too; web-portable.test.ts covers a runtime without node:crypto.
import { expect, it, vi } from 'vitest';

vi.mock('#platform', () => import('./web.ts'));

it('runs on the web platform', async () => {
  const { platform } = await import('#platform');
  expect(platform.name).toBe('web');
});

await import('../diagnose/diagnose.test.ts');
await import('../api-key/api-key.test.ts');
await import('../app-token/app-token.test.ts');
await import('../diagnose/bodies.test.ts');
await import('../encoding/base64url.test.ts');
await import('../hmac/hmac.test.ts');
await import('../private-key-jwt/assertion.test.ts');
await import('../tokens/access-token.test.ts');
