// Who is calling, checked here whatever the platform's verify_jwt setting says:
// - a scheduled job runs only for the scheduler (pg_cron + pg_net, sending the service-role key
//   from Vault) or another service-role caller, because verify_jwt alone lets any signed-in
//   user's JWT through;
// - a function a user calls (recordings broker, data export download, respondent export) needs an
//   HS256 session JWT of the project with role `authenticated` and a uuid `sub` (the anon key and
//   the service-role key are JWTs too, and neither is a user).
import { errors as joseErrors, jwtVerify } from "jose";
import { HttpError } from "./http.ts";

export interface CallerAuthConfig {
  /** The project's service-role key (env SUPABASE_SERVICE_ROLE_KEY). */
  serviceRoleKey: string;
  /** The project's JWT secret; when set, any HS256 JWT with role service_role is accepted. */
  jwtSecret?: string;
}

export type Caller = { kind: "service_role_key" } | { kind: "service_role_jwt"; sub?: string };

export interface SessionCaller {
  userId: string;
  /** The verified claims, handed to Postgres as PostgREST would (request.jwt.claims). */
  claims: Record<string, unknown>;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const encoder = new TextEncoder();

/**
 * Compares two secrets in time independent of where they differ: both are hashed first, so
 * the lengths are equal and the comparison of digests always walks all 32 bytes.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

function bearerToken(req: Request): string | null {
  const header = req.headers.get("authorization");
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : null;
}

/**
 * Resolves the caller or throws: 401 when there is no usable credential, 403 when the
 * credential is valid but not a service-role one (the anon key, a user's session JWT).
 */
export async function requireServiceRoleCaller(
  req: Request,
  config: CallerAuthConfig,
): Promise<Caller> {
  const token = bearerToken(req);
  if (!token) throw new HttpError(401, "missing bearer token");
  if (await constantTimeEqual(token, config.serviceRoleKey)) return { kind: "service_role_key" };
  if (!config.jwtSecret) throw new HttpError(401, "invalid token");

  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, encoder.encode(config.jwtSecret), {
      algorithms: ["HS256"],
    }));
  } catch (err) {
    // jose's messages ("signature verification failed", "exp claim ...") leak nothing secret.
    const reason = err instanceof joseErrors.JOSEError ? err.code : "malformed";
    throw new HttpError(401, `invalid token (${reason})`);
  }
  if (payload.role !== "service_role") {
    throw new HttpError(403, "this job only runs for the scheduler or a service-role caller");
  }
  return {
    kind: "service_role_jwt",
    sub: typeof payload.sub === "string" ? payload.sub : undefined,
  };
}

/** Resolves the signed-in user or throws a 401 with `refusal` (any missing or unusable token). */
export async function requireSessionCaller(
  req: Request,
  jwtSecret: string,
  refusal: string,
): Promise<SessionCaller> {
  const token = bearerToken(req);
  if (!token) throw new HttpError(401, refusal);
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(token, encoder.encode(jwtSecret), {
      algorithms: ["HS256"],
    }));
  } catch {
    throw new HttpError(401, refusal);
  }
  const { role, sub } = claims;
  if (role !== "authenticated" || typeof sub !== "string" || !UUID_PATTERN.test(sub)) {
    throw new HttpError(401, refusal);
  }
  return { userId: sub, claims };
}
