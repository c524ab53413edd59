// The types of `mechanisms.js`, a module the server writes from @payauth/core's `mechanismTable` (routes.ts) and
// serves beside the dashboard's own files: the dashboard learns each mechanism's provider, preset and paths from the
// one table, and restates none of them. tsconfig.dashboard.json maps `@payauth/core` to the table's own source.
import type { MechanismFacts } from '@payauth/core';

export type { MechanismFacts };

/** `hmac`, `app-token`, `private-key-jwt` or `api-key`. */
export type Mechanism = MechanismFacts['mechanism'];

/** @payauth/core's `mechanismTable`, as the server serves it (a field that is `undefined` there is absent here). */
export const mechanismTable: Readonly<Record<Mechanism, MechanismFacts>>;
