// Bearer-token verification, as storage-api's jwt plugin does it (jose, HS256 shared
// secret). A bad or missing token is AccessDenied carrying jose's own message, which
// is what the real service sends (HTTP 400, body statusCode "403").

import { errors as joseErrors, jwtVerify } from "jose";
import { ERRORS } from "./errors.ts";

export interface AuthContext {
  /** Raw bearer token, '' when the request carried none. */
  token: string;
  /** Verified claims; `{role: "anon"}` for anonymous requests on routes that allow them. */
  payload: Record<string, unknown> & { role?: string; sub?: string };
  role: string;
  isAuthenticated: boolean;
}

const BEARER = /^Bearer\s+/i;

/**
 * The real service only reads `Authorization`; in a Supabase deployment the API
 * gateway turns a lone `apikey` header into one. We sit where the gateway would, so
 * we do the same fallback here.
 */
export function extractToken(headers: Headers): string {
  const authorization = headers.get("authorization");
  if (authorization) return authorization.replace(BEARER, "").trim();
  return (headers.get("apikey") ?? "").trim();
}

export async function verifyToken(
  token: string,
  secret: Uint8Array,
): Promise<AuthContext["payload"]> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ["HS256"],
    });
    return payload as AuthContext["payload"];
  } catch (err) {
    const message = err instanceof joseErrors.JOSEError || err instanceof Error
      ? err.message
      : "Invalid JWT";
    throw ERRORS.AccessDenied(message);
  }
}

/**
 * Authenticates a request. `allowAnonymous` mirrors the real `allowInvalidJwt`
 * route option: a missing or bad token degrades to the anon role instead of failing.
 */
export async function authenticate(
  headers: Headers,
  secret: Uint8Array,
  allowAnonymous = false,
): Promise<AuthContext> {
  const token = extractToken(headers);
  if (!token && allowAnonymous) {
    return { token, payload: { role: "anon" }, role: "anon", isAuthenticated: false };
  }
  try {
    const payload = await verifyToken(token, secret);
    const role = typeof payload.role === "string" && payload.role ? payload.role : "anon";
    return { token, payload, role, isAuthenticated: true };
  } catch (err) {
    if (allowAnonymous) {
      return { token: "", payload: { role: "anon" }, role: "anon", isAuthenticated: false };
    }
    throw err;
  }
}
