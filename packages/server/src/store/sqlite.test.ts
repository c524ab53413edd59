import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreConformance } from './conformance.ts';
import { SqliteStore } from './sqlite.ts';

describeStoreConformance('sqlite :memory:', async () => {
  const store = new SqliteStore(':memory:');
  await store.migrate();
  return store;
});

describeStoreConformance('sqlite file', async () => {
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'payauth-store-')), 'store.db'));
  await store.migrate();
  return store;
});
