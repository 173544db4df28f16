// Running SQL as the signed-in caller: one transaction scoped exactly as PostgREST scopes an RPC
// (role authenticated, the verified claims, the request headers), so RLS, the membership and
// liveness checks and the audit trail see the user, not the function's `postgres` connection.
import type { SessionCaller } from "./caller.ts";
import type { Sql } from "./db.ts";
import { HttpError } from "./http.ts";

/**
 * How a function answers the SQLSTATEs its database functions raise on purpose: the status, and
 * a fixed message, or none to pass the database's own (written for the caller) through.
 */
export type SqlStateAnswers = Record<string, { status: number; message?: string }>;

export interface CallerScope {
  caller: SessionCaller;
  /** Handed to Postgres as request.headers; only headers that are safe to log. */
  headers?: Record<string, string>;
  answers: SqlStateAnswers;
}

/** Runs `run` as the caller; an error with a SQLSTATE in `answers` becomes that HttpError. */
export async function asCaller<T>(
  sql: Sql,
  scope: CallerScope,
  run: (tx: Sql) => Promise<T>,
): Promise<T> {
  const { caller, headers = {}, answers } = scope;
  try {
    return await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true),
        set_config('request.jwt.claims', ${JSON.stringify(caller.claims)}, true),
        set_config('request.jwt.claim.sub', ${caller.userId}, true),
        set_config('request.headers', ${JSON.stringify(headers)}, true)`;
      return await run(tx as unknown as Sql);
    }) as T;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const answer = typeof code === "string" ? answers[code] : undefined;
    if (answer) throw new HttpError(answer.status, answer.message ?? (err as Error).message);
    throw err;
  }
}
