// Database access: one pool, and a helper that runs work inside ONE transaction
// whose settings impersonate the caller exactly like storage-api's scope.ts does, so
// storage RLS policies see the same role, claims and GUCs as in production.

import postgres from "postgres";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

/** Everything storage-api puts into the transaction before running a query. */
export interface Scope {
  role: string;
  jwt: string;
  subject: string;
  claims: string;
  headers: string;
  method: string;
  path: string;
  operation: string;
}

export function createPool(url: string): Sql {
  return postgres(url, {
    max: 10,
    // int8 columns (file_size_limit) go out as JSON numbers, as in the real API.
    types: {
      int8: {
        to: 20,
        from: [20],
        serialize: (x: unknown) => String(x),
        parse: (x: string) => Number(x),
      },
    },
    onnotice: () => {},
  });
}

/**
 * Same statement, same order, as storage-api's buildScopeStatement: all settings are
 * transaction-local (`is_local = true`) so nothing leaks to the next pooled request.
 * `storage.allow_delete_query` unlocks the storage.protect_delete() guard.
 */
export async function applyScope(tx: Tx, scope: Scope): Promise<void> {
  await tx`
    select
      set_config('role', ${scope.role}, true),
      set_config('request.jwt.claim.role', ${scope.role}, true),
      set_config('request.jwt', ${scope.jwt}, true),
      set_config('request.jwt.claim.sub', ${scope.subject}, true),
      set_config('request.jwt.claims', ${scope.claims}, true),
      set_config('request.headers', ${scope.headers}, true),
      set_config('request.method', ${scope.method}, true),
      set_config('request.path', ${scope.path}, true),
      set_config('storage.operation', ${scope.operation}, true),
      set_config('storage.allow_delete_query', 'true', true)`;
}

/** Runs `fn` in a single transaction under `scope`; rolls back if it throws. */
export async function withScope<T>(
  sql: Sql,
  scope: Scope,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  return await sql.begin(async (tx) => {
    await applyScope(tx, scope);
    return await fn(tx);
  }) as T;
}

/**
 * The scope storage-api uses for its privileged ("asSuperUser") lookups: the same
 * request, re-scoped to service_role so RLS is bypassed.
 */
export function superUserScope(scope: Scope): Scope {
  return {
    ...scope,
    role: "service_role",
    subject: "",
    claims: JSON.stringify({ role: "service_role" }),
  };
}
