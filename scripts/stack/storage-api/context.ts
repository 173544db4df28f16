// Per-request context handed to route handlers: shared dependencies, the verified
// caller, and a builder for the database scope storage-api would use.

import type { AuthContext } from "./auth.ts";
import type { Config } from "./config.ts";
import type { Scope, Sql } from "./db.ts";
import type { Disk } from "./disk.ts";
import { ValidationError } from "./errors.ts";
import type { FaultStore } from "./faults.ts";

export const API_PREFIX = "/storage/v1";

export interface Deps {
  config: Config;
  sql: Sql;
  disk: Disk;
  faults: FaultStore;
  secret: Uint8Array;
}

export interface Ctx {
  req: Request;
  url: URL;
  deps: Deps;
  auth: AuthContext;
  /** Scope for the caller's own role, tagged with a storage.operation name. */
  scope(operation: string): Scope;
}

export function makeCtx(
  req: Request,
  url: URL,
  deps: Deps,
  auth: AuthContext,
): Ctx {
  return {
    req,
    url,
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
      // The real service sits behind the gateway's /storage/v1 strip and records
      // its own path including the query string.
      path: url.pathname.slice(API_PREFIX.length) + url.search,
      operation,
    }),
  };
}

/** Parses a JSON body; a broken body is a 400 like Fastify's parser error. */
export async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError("Body is not valid JSON");
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
