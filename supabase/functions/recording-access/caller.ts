// The signed-in user calling the broker: an HS256 session JWT of the project with role
// `authenticated` and a uuid `sub`, verified here whatever the gateway's verify_jwt says (the
// anon key and the service-role key are JWTs too, and neither is a user).
import { jwtVerify } from "jose";
import { HttpError } from "../_shared/http.ts";

export interface SessionCaller {
  userId: string;
  /** The verified claims, handed to Postgres as PostgREST would (request.jwt.claims). */
  claims: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const encoder = new TextEncoder();

export async function requireSessionCaller(
  req: Request,
  jwtSecret: string,
  refusal = "sign in to listen to recordings",
): Promise<SessionCaller> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "");
  if (!match) throw new HttpError(401, refusal);
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(match[1], encoder.encode(jwtSecret), {
      algorithms: ["HS256"],
    }));
  } catch {
    throw new HttpError(401, refusal);
  }
  if (claims.role !== "authenticated" || typeof claims.sub !== "string" || !UUID.test(claims.sub)) {
    throw new HttpError(401, refusal);
  }
  return { userId: claims.sub, claims };
}
