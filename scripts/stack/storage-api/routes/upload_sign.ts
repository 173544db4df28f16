// Signed upload URLs: supabase-js createSignedUploadUrl() (POST /object/upload/sign/{bucket}/
// {name}, `x-upsert`) and uploadToSignedUrl() (PUT /object/upload/sign/{bucket}/{name}?token=).
//
// As the real signUploadObjectUrl: the bucket is looked up as service_role, the caller's
// permission is probed with canUpload() (the insert as the caller, rolled back), and the token
// carries {owner: the caller's sub, url, upsert, scope: 'upload'} for the configured lifetime
// (UPLOAD_SIGNED_URL_EXPIRATION_TIME, 2 hours by default: the client cannot choose it). The PUT
// needs no Authorization: after the token check the object is written AS SERVICE_ROLE
// (asSuperUser().uploadNewObject) with the token's owner and upsert.

import type { AuthContext } from "../auth.ts";
import { type Ctx, makeCtx } from "../context.ts";
import { applyScope, superUserScope, withScope } from "../db.ts";
import { ERRORS } from "../errors.ts";
import { signToken, tokenFromQuery, verifyObjectSignature } from "../signed_token.ts";
import { mustBeValidKey } from "../validation.ts";
import { checkUploadPermission, ownerOf, uploadObject } from "./upload.ts";

export async function signUploadObjectUrl(
  ctx: Ctx,
  bucket: string,
  name: string,
): Promise<Response> {
  const isUpsert = ctx.req.headers.get("x-upsert") === "true";
  const sub = ctx.auth.payload.sub;
  const scope = ctx.scope("storage.object.sign_upload_url");
  await withScope(ctx.deps.sql, scope, async (tx) => {
    await applyScope(tx, superUserScope(scope));
    const [b] = await tx`select id from storage.buckets where id = ${bucket}`;
    if (!b) throw ERRORS.NoSuchBucket();
    mustBeValidKey(name);
    await applyScope(tx, scope);
    await checkUploadPermission(tx, bucket, name, isUpsert, ownerOf(sub));
  });
  const url = `${bucket}/${name}`;
  const owner = typeof sub === "string" && sub !== "" ? sub : undefined;
  const token = await signToken(
    { owner, url, upsert: isUpsert, scope: "upload" },
    ctx.deps.secret,
    ctx.deps.config.uploadSignedUrlExpirationTime,
  );
  return Response.json({ url: `/object/upload/sign/${url}?token=${token}`, token });
}

const SUPER_USER: AuthContext = {
  token: "",
  payload: { role: "service_role" },
  role: "service_role",
  isAuthenticated: true,
};

export async function uploadToSignedUrl(
  ctx: Ctx,
  target: string,
  servicePath: string,
  bucket: string,
  name: string,
): Promise<Response> {
  const token = tokenFromQuery(target);
  const payload = await verifyObjectSignature(token, ctx.deps.secret, "upload", bucket, name);
  const asSuperUser = makeCtx(ctx.req, servicePath, ctx.deps, SUPER_USER);
  const uploaded = await uploadObject(asSuperUser, bucket, name, {
    operation: "storage.object.upload_signed",
    isUpsert: payload.upsert === true,
    owner: ownerOf(payload.owner),
  });
  const { Key } = await uploaded.json();
  return Response.json({ Key });
}
