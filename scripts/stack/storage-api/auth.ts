// The caller's identity, as storage-api's jwt plugin establishes it: the token comes from the
// Authorization header only (no `apikey` fallback), and is verified with jose against the HS256
// shared secret. A bad token is AccessDenied carrying jose's own message (HTTP 400, body
// statusCode "403").

import { jwtVerify } from "jose";
import { ERRORS } from "./errors.ts";

export interface AuthContext {
  /** The raw bearer token, '' when the request carried none. */
  token: string;
  /** Verified claims; `{role: "anon"}` when a route lets an anonymous caller through. */
  payload: Record<string, unknown> & { role?: string; sub?: string };
  role: string;
  isAuthenticated: boolean;
}

const BEARER = /^Bearer\s+/i;

/**
 * Routes that declare the real `authSchema` refuse a request without an Authorization header
 * in Fastify's header validation, before any JWT check: 400 InvalidRequest.
 */
export function requireAuthorizationHeader(headers: Headers): void {
  if (!headers.has("authorization")) {
    throw ERRORS.RequestSchema("headers must have required property 'authorization'");
  }
}

export function bearerToken(headers: Headers): string {
  return (headers.get("authorization") ?? "").replace(BEARER, "");
}

export async function verifyToken(
  token: string,
  secret: Uint8Array,
): Promise<AuthContext["payload"]> {
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"] });
    return payload as AuthContext["payload"];
  } catch (err) {
    throw ERRORS.AccessDenied(err instanceof Error ? err.message : "Invalid JWT");
  }
}

const ANONYMOUS: AuthContext = {
  token: "",
  payload: { role: "anon" },
  role: "anon",
  isAuthenticated: false,
};

/**
 * Authenticates a request. `allowAnonymous` is the real `allowInvalidJwt` route option: a
 * missing or bad token makes the caller anon instead of failing the request.
 */
export async function authenticate(
  headers: Headers,
  secret: Uint8Array,
  allowAnonymous = false,
): Promise<AuthContext> {
  const token = bearerToken(headers);
  if (!token && allowAnonymous) return ANONYMOUS;
  try {
    const payload = await verifyToken(token, secret);
    const role = typeof payload.role === "string" && payload.role ? payload.role : "anon";
    return { token, payload, role, isAuthenticated: true };
  } catch (err) {
    if (allowAnonymous) return ANONYMOUS;
    throw err;
  }
}
