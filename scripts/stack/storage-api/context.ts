// Per-request context handed to route handlers: shared dependencies, the verified caller, and
// a builder for the database scope storage-api would use.

import type { AuthContext } from "./auth.ts";
import type { Config } from "./config.ts";
import type { Scope, Sql } from "./db.ts";
import type { Disk } from "./disk.ts";
import { ERRORS } from "./errors.ts";
import type { FaultStore } from "./faults.ts";

export interface Deps {
  config: Config;
  sql: Sql;
  disk: Disk;
  faults: FaultStore;
  secret: Uint8Array;
}

export interface Ctx {
  req: Request;
  deps: Deps;
  auth: AuthContext;
  /** Scope for the caller's own role, tagged with a storage.operation name. */
  scope(operation: string): Scope;
}

/** `path` is the request's path as the real service sees it: without the /storage/v1 prefix. */
export function makeCtx(req: Request, path: string, deps: Deps, auth: AuthContext): Ctx {
  return {
    req,
    deps,
    auth,
    scope: (operation) => ({
      role: auth.role,
      jwt: auth.token,
      subject: typeof auth.payload.sub === "string" ? auth.payload.sub : "",
      claims: JSON.stringify(auth.payload),
      // Header names are already lower-case in a Headers object, as in Node.
      headers: JSON.stringify(Object.fromEntries(req.headers)),
      method: req.method,
      path,
      operation,
    }),
  };
}

/**
 * The JSON body as Fastify's parser hands it over: parsed when the content type is JSON, with
 * Fastify's errors for an empty or broken one, and undefined otherwise (storage-api registers a
 * no-op parser for every other type).
 */
export async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (!(req.headers.get("content-type") ?? "").startsWith("application/json")) return undefined;
  if (text === "") {
    throw ERRORS.RequestSchema(
      "Body cannot be empty when content-type is set to 'application/json'",
      "FastifyError",
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw ERRORS.RequestSchema(
      "Body is not valid JSON but content-type is set to 'application/json'",
      "FastifyError",
    );
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
