import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { needPostgres, POSTGRES_URL } from '../../../../test/support/services.ts';
import { describeStoreConformance } from './conformance.ts';
import { PostgresStore } from './postgres.ts';

const available = await needPostgres('PostgreSQL store conformance');

describe.skipIf(!available)('PostgreSQL', () => {
  const databases: string[] = [];
  // Each conformance test gets a database of its own, created and dropped through this pool.
  let admin: pg.Pool;
  beforeAll(() => {
    admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  });
  afterAll(async () => {
    for (const name of databases)
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
  });
  describeStoreConformance('postgres', async () => {
    const name = `payauth_test_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    databases.push(name);
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    const store = new PostgresStore(url.toString());
    await store.migrate();
    return store;
  });
});
