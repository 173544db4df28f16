// Signed URL tokens as the real storage-api makes and checks them (src/storage/object.ts,
// signJWT / verifyObjectSignature): an HS256 JWT signed with the project's JWT secret, carrying
// `url` ('<bucket>/<name>'), `iat`, `exp` and a `scope` ('download' or 'upload'; an upload token
// also carries `owner` and `upsert`). The check order is the real one: the signature and `exp`
// (jose: InvalidJWT with jose's message), then the scope, then the url (InvalidSignature), then
// `exp` once more (ExpiredSignature).

import { jwtVerify, SignJWT } from "jose";
import { ERRORS } from "./errors.ts";

export type SignedUrlScope = "download" | "upload";

export interface SignedTokenPayload {
  url: string;
  exp: number;
  scope?: SignedUrlScope;
  owner?: string;
  upsert?: boolean;
}

export async function signToken(
  payload: Record<string, unknown>,
  secret: Uint8Array,
  expiresInSeconds: number,
): Promise<string> {
  return await new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(`${expiresInSeconds}s`)
    .sign(secret);
}

/** The real isUploadScopedToken / isDownloadScopedToken, legacy tokens without scope included. */
function hasScope(payload: SignedTokenPayload, scope: SignedUrlScope): boolean {
  const legacy = payload.scope === undefined;
  if (scope === "upload") return payload.scope === "upload" || (legacy && "upsert" in payload);
  return payload.scope === "download" || (legacy && !("upsert" in payload));
}

export async function verifyObjectSignature(
  token: string,
  secret: Uint8Array,
  scope: SignedUrlScope,
  bucket: string,
  name: string,
): Promise<SignedTokenPayload> {
  let payload: SignedTokenPayload;
  try {
    ({ payload } = await jwtVerify<SignedTokenPayload>(token, secret, { algorithms: ["HS256"] }));
  } catch (err) {
    throw ERRORS.InvalidJWT(err instanceof Error ? err.message : "Invalid JWT");
  }
  if (!hasScope(payload, scope)) throw ERRORS.InvalidSignature(`Token is not scoped for ${scope}`);
  if (payload.url !== `${bucket}/${name}`) throw ERRORS.InvalidSignature();
  if (typeof payload.exp !== "number" || payload.exp * 1000 < Date.now()) {
    throw ERRORS.ExpiredSignature();
  }
  return payload;
}

/** The `token` query parameter, required by the real route's querystring schema. */
export function tokenFromQuery(target: string): string {
  const query = new URLSearchParams(target.split("?").slice(1).join("?"));
  const token = query.get("token");
  if (token === null) {
    throw ERRORS.RequestSchema("querystring must have required property 'token'");
  }
  return token;
}
