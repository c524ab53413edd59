import type { Mechanism } from '@payauth/core';
import type {
  AuditEvent,
  CredentialRecord,
  Partner,
  SecretKind,
  SecretRecord,
  SigningKeyRecord,
  StoredAuditEvent,
} from './types.ts';

/** A row as a SQL driver returns it (snake_case columns; SQLite and PostgreSQL share the column names). */
export type Row = Record<string, unknown>;

/** A partner row. */
export function toPartner(row: Row): Partner {
  return { id: row.id as string, name: row.name as string, createdAt: Number(row.created_at) };
}

/** A credential row (options as JSON text in SQLite, as an object from PostgreSQL's JSONB). */
export function toCredential(row: Row): CredentialRecord {
  return {
    id: row.id as string,
    partnerId: row.partner_id as string,
    mechanism: row.mechanism as Mechanism,
    publicId: row.public_id as string,
    status: row.status as CredentialRecord['status'],
    createdAt: Number(row.created_at),
    ...(row.revoked_at === null ? {} : { revokedAt: Number(row.revoked_at) }),
    options: (typeof row.options === 'string'
      ? JSON.parse(row.options)
      : row.options) as CredentialRecord['options'],
  };
}

/** A secret row. */
export function toSecret(row: Row): SecretRecord {
  return {
    id: row.id as string,
    credentialId: row.credential_id as string,
    kind: row.kind as SecretKind,
    createdAt: Number(row.created_at),
    value: row.value as string,
    notBefore: Number(row.not_before),
    ...(row.not_after === null ? {} : { notAfter: Number(row.not_after) }),
  };
}

/** A signing-key row. */
export function toSigningKey(row: Row): SigningKeyRecord {
  return {
    kid: row.kid as string,
    privateKeyCiphertext: row.private_key as string,
    createdAt: Number(row.created_at),
    ...(row.retired_at === null ? {} : { retiredAt: Number(row.retired_at) }),
  };
}

/** An audit row. */
export function toAuditEvent(row: Row): StoredAuditEvent {
  return {
    sequence: Number(row.sequence),
    at: Number(row.at),
    mechanism: row.mechanism as AuditEvent['mechanism'],
    ...(row.public_id === null ? {} : { publicId: row.public_id as string }),
    ...(row.credential_id === null ? {} : { credentialId: row.credential_id as string }),
    outcome: row.outcome as AuditEvent['outcome'],
    reason: row.reason as string,
    address: row.address as string,
    requestId: row.request_id as string,
    count: Number(row.count),
  };
}

/** The audit columns in insert order, and an event's values in that order. */
export const AUDIT_COLUMNS = [
  'at',
  'mechanism',
  'public_id',
  'credential_id',
  'outcome',
  'reason',
  'address',
  'request_id',
  'count',
] as const;

/** An event's values in {@link AUDIT_COLUMNS} order. */
export function auditValues(event: AuditEvent): Array<string | number | null> {
  return [
    event.at,
    event.mechanism,
    event.publicId ?? null,
    event.credentialId ?? null,
    event.outcome,
    event.reason,
    event.address,
    event.requestId,
    event.count ?? 1,
  ];
}

/** A secret's column values, in the order `id, credential_id, kind, value, not_before, not_after, created_at`. */
export function secretValues(secret: SecretRecord): Array<string | number | null> {
  return [
    secret.id,
    secret.credentialId,
    secret.kind,
    secret.value,
    secret.notBefore,
    secret.notAfter ?? null,
    secret.createdAt,
  ];
}

/**
 * A credential's column values, in the order `id, partner_id, mechanism, public_id, status, created_at, revoked_at,
 * options` (options as JSON text; PostgreSQL casts it to JSONB).
 */
export function credentialValues(credential: CredentialRecord): Array<string | number | null> {
  return [
    credential.id,
    credential.partnerId,
    credential.mechanism,
    credential.publicId,
    credential.status,
    credential.createdAt,
    credential.revokedAt ?? null,
    JSON.stringify(credential.options),
  ];
}
